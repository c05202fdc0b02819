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
    // Acknowledges only what the test releases: the client holds each chunk's `processed` until then.
    const flow = api.stream(id, { ack: 'when-processed' });
    let received = 0;
    let held: Array<() => void> = [];
    let release = false;
    flow.on('output', (bytes, processed) => {
      received += bytes.length;
      if (release) processed();
      else held.push(processed);
    });
    const opened = new Promise<void>((r) => flow.on('open', r));
    const ended = flow.start();
    await opened;
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
    release = true;
    for (const processed of held) processed();
    held = [];
    const exit = await ended;
    await flow.closed;
    expect(received).toBeGreaterThan(50_000_000);
    expect(exit).toMatchObject({ kind: 'exit', exitCode: 0 });
  });

  it('Stop ends a run that is paused behind a slow reader', async () => {
    const id = await api.startRun(session, 'yes');
    // A reader that acknowledges nothing.
    const flow = api.stream(id, { ack: 'when-processed' });
    const opened = new Promise<void>((r) => flow.on('open', r));
    void flow.start();
    await opened;
    await sleep(1000);
    const stopped = await api.stop(id);
    expect(stopped.status).toBe('exited');
    expect([130, 137]).toContain(stopped.exitCode);
    flow.close();
  });
  // Server memory through a flood: test/security/sandbox-limits.test.ts (one measurement, not two).
});
