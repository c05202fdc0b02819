import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW } from '../../server/protocol.ts';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';

let app: AppServer | undefined;
let api: ApiClient;
let session: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await requireEngine();
  ({ api } = app = await startAppServer());
  session = await api.createSession();
  await api.run(session, 'true');
});

afterAll(async () => {
  await app?.close();
});

describe('flow control, end to end', () => {
  it('pauses a flood for a client that does not acknowledge, and resumes when it does', async () => {
    const id = await api.startRun(session, 'yes "flood flood flood flood" | head -c 50000000; echo; echo done');
    const flow = new (await import('ws')).default(`${api.url.replace(/^http/, 'ws')}/api/runs/${id}/stream?since=0&ack=1`, {
      headers: { Authorization: `Bearer ${api.token}` },
    });
    let received = 0;
    let exit: unknown;
    flow.on('message', (d: Buffer, binary) => {
      if (binary) received += d.length;
      else if (JSON.parse(d.toString()).type === 'exit') exit = JSON.parse(d.toString());
    });
    await new Promise((r) => flow.on('open', r));
    // The command starts first (on a loaded machine, later than one 300 ms look): only then can a stop in the output mean a pause.
    await expect.poll(() => received, { message: 'the flood never produced output' }).toBeGreaterThan(0);
    // Nothing acknowledged: the output stops a little past the high watermark.
    let last = -1;
    for (let i = 0; i < 100 && received !== last; i++) {
      last = received;
      await sleep(300);
    }
    expect(received).toBeGreaterThan(FLOW.high / 2);
    expect(received).toBeLessThan(FLOW.high + 4 * 1024 * 1024);
    expect((await api.info(id)).status).toBe('running');
    // Acknowledge as we go: the whole 50 MB arrives and the run ends.
    const acker = setInterval(() => flow.readyState === flow.OPEN && flow.send(JSON.stringify({ type: 'ack', bytes: received })), 20);
    await new Promise((r) => flow.on('close', r));
    clearInterval(acker);
    expect(received).toBeGreaterThan(50_000_000);
    expect(exit).toMatchObject({ type: 'exit', exitCode: 0 });
  });

  it('Stop ends a run that is paused behind a slow reader', async () => {
    const id = await api.startRun(session, 'yes');
    const WebSocket = (await import('ws')).default;
    const flow = new WebSocket(`${api.url.replace(/^http/, 'ws')}/api/runs/${id}/stream?since=0&ack=1`, { headers: { Authorization: `Bearer ${api.token}` } });
    await new Promise((r) => flow.on('open', r));
    await sleep(1000);
    const stopped = await api.stop(id);
    expect(stopped.status).toBe('exited');
    expect([130, 137]).toContain(stopped.exitCode);
    flow.close();
  });
  // Server memory through a flood: test/security/sandbox-limits.test.ts (one measurement, not two).
});
