import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { expectServerAlive } from '../support/server-alive.ts';

const MiB = 2 ** 20;
let app: AppServer | undefined;
let api: ApiClient;
let floor = 0;
let dataRoot = '';

/** Free bytes where the engine keeps its data (the engine is on this machine in the tests). */
function freeBytes(dir: string): number {
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
}

/**
 * A server whose floor sits 1 GiB below the free space of now: a reader writing 1.6 GiB crosses it, while
 * other work on a shared machine (image builds, test recordings) should not. One per case, so that the
 * floor follows the machine.
 */
async function serverWithFloorBelowNow(): Promise<void> {
  await app?.close();
  floor = freeBytes(dataRoot) - 1024 * MiB;
  app = await startAppServer({ DISK_FREE_MIN: String(floor), DISK_CHECK_MS: '1000', RUN_TIMEOUT_MS: '300000' });
  api = app.api;
}

beforeAll(async () => {
  const { engine } = await requireEngine();
  dataRoot = await engine.dataRoot();
  await serverWithFloorBelowNow();
});

afterAll(async () => {
  await app?.close();
});

/** Runs `command` and follows it to its end (the disk watch should end it). */
async function runToEnd(session: string, command: string) {
  const r = await api.request('POST', `/api/sessions/${session}/runs`, { command, timeoutMs: 240_000 });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const seen = await api.follow(r.body.id as string);
  return { id: r.body.id as string, seen, info: await api.info(r.body.id as string) };
}

describe('a reader who fills the disk: the biggest sandbox is removed before the host runs out, and says why', () => {
  it('/api/health shows the free space and the floor', async () => {
    const h = (await api.request('GET', '/api/health')).body;
    expect(h.disk).toMatchObject({ known: true, minFreeBytes: floor, low: false });
    expect(h.disk.freeBytes).toBeGreaterThan(floor);
  });

  // fallocate takes the disk blocks at once, without the page cache: the sandbox's memory limit cannot cut the fill short.
  it.each([
    ['a file in the workspace', 'fallocate -l 1600M /workspace/big && echo written; sleep 600'],
    ['a file inside a container of the inner engine', "docker run --rm ubuntu bash -c 'fallocate -l 1600M /big && echo written; sleep 600'"],
  ])('%s: the run fails saying the host ran low on disk; the next Run gets a new sandbox and is told why', async (_what, command) => {
    await serverWithFloorBelowNow();
    const pid = app!.server.process.pid!;
    const bystander = await api.createSession();
    expect((await api.run(bystander, 'echo small > /workspace/s && echo ok')).text).toContain('ok');
    const filler = await api.createSession();
    if (command.startsWith('docker')) await api.run(filler, 'docker pull -q ubuntu >/dev/null');
    const { info, seen } = await runToEnd(filler, command);
    expect(info.status, `${JSON.stringify(info)}\n${seen.output.toString().slice(-1500)}`).toBe('failed');
    expect(info.error).toMatch(/Your sandbox used the most disk \(\d+\.\d GiB\) when the host ran low on disk \(.* free, below .*\): it was removed/);
    const next = await api.run(filler, 'ls /workspace/big 2>&1; echo next-ok');
    expect(next.text, `the next Run's messages: ${JSON.stringify(next.messages)}`).toContain('next-ok');
    const told = next.messages.find((m) => m.type === 'phase' && m.phase === 'replacing-sandbox') as { message: string } | undefined;
    expect(told?.message).toMatch(/used the most disk.*so its files, containers and variables are gone/);
    // The other reader's sandbox was left alone.
    const other = await api.run(bystander, 'cat /workspace/s');
    expect(other.text).toContain('small');
    expect(other.messages.some((m) => m.type === 'phase' && m.phase === 'replacing-sandbox')).toBe(false);
    await api.deleteSession(bystander);
    await api.deleteSession(filler);
    await expectServerAlive(app!.server, pid);
  });
});
