import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import type { StartedServer } from '../support/server.ts';
import { rssBytes } from '../support/process-memory.ts';
import { floodThroughServer } from '../support/flood.ts';

let app: AppServer | undefined;
let server: StartedServer;
let api: ApiClient;
let session: string;

const healthy = async () => expect((await api.request('GET', '/api/health')).status).toBe(200);

beforeAll(async () => {
  await requireEngine();
  ({ server, api } = app = await startAppServer({
    SANDBOX_PIDS: '400',
    SANDBOX_MEMORY: '768m',
    RUN_TIMEOUT_MS: '4000',
    MAX_SESSIONS: '2',
  }));
  session = await api.createSession();
  const warm = await api.request('POST', `/api/sessions/${session}/runs`, {
    command: 'docker pull -q ubuntu >/dev/null && echo ready',
    timeoutMs: 120_000,
  });
  expect((await api.follow(warm.body.id)).output.toString()).toContain('ready');
});

afterAll(async () => {
  await app?.close();
});

describe('what a reader can do inside their sandbox stays inside it', () => {
  it("`docker run -v /:/host ubuntu ls /host` shows the sandbox's filesystem, not the host's", async () => {
    const r = await api.run(session, 'docker run --rm -v /:/host ubuntu ls /host');
    expect(r.exitCode, r.text).toBe(0);
    const entries = r.text.split(/\s+/).filter(Boolean);
    expect(entries).toContain('workspace'); // only the sandbox has /workspace
    expect(fs.existsSync('/workspace')).toBe(false);
    for (const hostOnly of fs
      .readdirSync('/')
      .filter(
        (e) =>
          ![
            'bin',
            'boot',
            'dev',
            'etc',
            'home',
            'lib',
            'lib64',
            'media',
            'mnt',
            'opt',
            'proc',
            'root',
            'run',
            'sbin',
            'srv',
            'sys',
            'tmp',
            'usr',
            'var',
            'lib32',
            'libx32',
          ].includes(e),
      )) {
      expect(entries, `host-only entry /${hostOnly} is visible`).not.toContain(hostOnly);
    }
  });

  it('a fork bomb stops at the pids limit; the session survives', async () => {
    const r = await api.request('POST', `/api/sessions/${session}/runs`, {
      command: "docker run --rm ubuntu bash -c 'for i in $(seq 1 3000); do sleep 60 & done; wait' 2>&1 | tail -n 3",
      timeoutMs: 30_000,
    });
    const seen = await api.follow(r.body.id);
    expect(seen.output.toString()).toMatch(/Resource temporarily unavailable|fork|retry/i);
    await healthy();
    const cleanup = await api.request('POST', `/api/sessions/${session}/runs`, {
      command: 'docker ps -q | xargs -r docker rm -f >/dev/null; echo alive',
      timeoutMs: 60_000,
    });
    const after = { text: (await api.follow(cleanup.body.id)).output.toString() };
    expect(after.text).toContain('alive');
  });

  it('a memory hog is killed inside its limit; the server is unaffected', async () => {
    const before = rssBytes(server.process.pid!);
    const r = await api.request('POST', `/api/sessions/${session}/runs`, {
      command: 'docker run --rm ubuntu bash -c \'x=$(head -c 2000m /dev/zero | tr "\\0" x); echo survived\'',
      timeoutMs: 60_000,
    });
    const seen = await api.follow(r.body.id);
    expect(seen.output.toString()).not.toContain('survived');
    const end = seen.messages.at(-1) as { type: string; exitCode?: number };
    expect(end.type === 'error' || end.exitCode !== 0).toBe(true);
    await healthy();
    // The hog's 2000 MB never pass through the server: its growth stays far below that.
    expect(rssBytes(server.process.pid!) - before).toBeLessThan(256 * 2 ** 20);
    expect((await api.run(session, 'echo still here')).text).toContain('still here');
  });

  it('`yes` keeps the server memory bounded (a small part of what it streams), and Stop ends it', async () => {
    const flood = await floodThroughServer(api, session, server.process.pid!);
    console.log(flood.summary);
    expect(flood.stopped.status).toBe('exited');
    // Unbounded buffering grows by at least what went through; a bounded server by far less.
    expect(flood.bytes, 'the flood must move enough to tell bounded from unbounded').toBeGreaterThan(256 * 2 ** 20);
    expect(flood.growth, flood.summary).toBeLessThan(flood.bytes / 2);
    await healthy();
  });

  it('`sleep infinity` is ended at the run timeout, and says so', async () => {
    const r = await api.run(session, 'sleep infinity');
    const err = r.messages.find((m) => m.type === 'error') as { message: string };
    expect(err.message).toMatch(/Stopped after 4 s, the run timeout/);
    expect((await api.info(r.id)).status).toBe('failed');
  });

  it('past MAX_SESSIONS the next visitor is queued, and let in when a session ends', async () => {
    const second = await api.createSession();
    const third = await api.request('POST', '/api/sessions');
    expect(third.status).toBe(202);
    expect(third.body).toMatchObject({ queued: true, position: 1 });
    expect(await api.deleteSession(second)).toBe(204);
    const admitted = await api.request('POST', '/api/sessions');
    expect(admitted.status).toBe(201);
    await api.deleteSession(admitted.body.id);
  });
});
