import WebSocketClient from 'ws';
import type WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../server/protocol.ts';
import { MAX_FEEDS_PER_SESSION, MAX_STREAMS_PER_CALLER, MAX_STREAMS_PER_RUN } from '../../server/ws/stream-caps.ts';
import { rssBytes } from '../support/process-memory.ts';
import { openRunning } from '../support/open-running.ts';
import { expectServerAlive } from '../support/server-alive.ts';
import { useSessionServer } from '../support/session-server.ts';

const MiB = 1024 * 1024;
const TRANSCRIPT = 16 * MiB;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A short detached grace: a run nobody watches is stopped soon, so "the run was detached" shows quickly.
// A long transcript: each replay that a server buffered whole would cost 16 MiB.
const served = useSessionServer({ RUN_DETACHED_GRACE_MS: '2000', RUN_OUTPUT_BYTES: String(TRANSCRIPT) });

type Opened = { ws: WebSocket; status: 101 } | { ws: WebSocket; status: number; body: string };

/** Opens a run's stream; resolves with 101, or with the refusal's status and body. */
function open(runId: string, onOpen?: (ws: WebSocket) => void): Promise<Opened> {
  const ws = served.app.api.open(runId);
  return new Promise((resolve) => {
    ws.on('open', () => {
      onOpen?.(ws);
      resolve({ ws, status: 101 });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += String(d)));
      res.on('end', () => resolve({ ws, status: res.statusCode ?? 0, body }));
    });
  });
}

/** Sends stdin until the server stops taking it for 3 s (at most 60 s); returns the bytes it took. */
async function sendUntilStalled(ws: WebSocket): Promise<number> {
  const frame = Buffer.alloc(64 * 1024, 0x61);
  let queued = 0;
  let lastTaken = 0;
  let lastProgress = Date.now();
  const started = Date.now();
  while (Date.now() - started < 60_000 && ws.readyState === ws.OPEN) {
    while (ws.bufferedAmount < 4 * MiB) {
      ws.send(frame, { binary: true });
      queued += frame.length;
    }
    await sleep(20);
    const taken = queued - ws.bufferedAmount;
    if (taken > lastTaken) {
      lastTaken = taken;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > 3000) return taken;
  }
  throw new Error(`the server never stopped taking stdin from a command that does not read (${Math.round(queued / MiB)} MiB queued)`);
}

async function expectEnded(runId: string, why: string): Promise<void> {
  await expect.poll(async () => (await served.app.api.info(runId)).status, { timeout: 90_000, message: why }).toMatch(/^(exited|failed)$/);
}

describe('stdin that the command does not read holds the socket for a bounded time', () => {
  it('the client is cut with 4002 "stdin not read", and the run, no longer watched, is stopped', async () => {
    const run = await served.app.api.startRun(served.session, 'stty raw -echo; sleep infinity');
    const ws = await openRunning(served.app.api, run);
    await sleep(500);
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
    await sendUntilStalled(ws);
    const end = await Promise.race([closed, sleep(60_000).then(() => undefined)]);
    ws.terminate();
    expect(end, 'the server never ended the stream whose stdin was not read (waited 60 s after it stalled)').toBeDefined();
    // The close frame can be lost to the cut that follows it; then the client sees 1006.
    expect([CLOSE.stdinNotRead, 1006], `closed with ${end!.code} "${end!.reason}"`).toContain(end!.code);
    if (end!.code === CLOSE.stdinNotRead) expect(end!.reason).toBe('stdin not read');
    await expectEnded(run, 'the run went on after its only watcher was cut');
    expect((await served.app.api.info(run)).stopped, 'a run stopped for nobody watching says so').toBe(true);
    await expectServerAlive(served.app.server, served.pid);
  });

  it('a client that left while its socket was unread is noticed: the run is detached and stopped', async () => {
    const run = await served.app.api.startRun(served.session, 'stty raw -echo; sleep infinity');
    const ws = await openRunning(served.app.api, run);
    await sleep(500);
    await sendUntilStalled(ws);
    // Leaves: its FIN sits behind the bytes the server does not read.
    ws.terminate();
    await expectEnded(run, 'a run whose only client left while its stdin was unread still runs');
    await expectServerAlive(served.app.server, served.pid);
  });
});

describe('streams per run and per caller are capped', () => {
  it(`a finished run with a full ${TRANSCRIPT / MiB} MiB transcript: past ${MAX_STREAMS_PER_RUN} streams, 429; memory stays far below the replays`, async () => {
    const r = await served.app.api.run(served.session, `head -c ${TRANSCRIPT} /dev/zero | tr '\\0' x`);
    expect(r.output.length, 'the transcript is not full').toBeGreaterThanOrEqual(TRANSCRIPT);
    const before = rssBytes(served.pid);
    const ATTEMPTS = 40;
    // Readers that do not read: each replay would sit in the server whole if it were sent at once.
    const opened = await Promise.all(Array.from({ length: ATTEMPTS }, () => open(r.id, (ws) => ws.pause())));
    await sleep(2000);
    const growth = rssBytes(served.pid) - before;
    const accepted = opened.filter((o) => o.status === 101).length;
    const refused = opened.filter((o) => o.status === 429);
    expect(accepted, `accepted ${accepted} of ${ATTEMPTS} streams on one run`).toBe(MAX_STREAMS_PER_RUN);
    expect(refused.length).toBe(ATTEMPTS - MAX_STREAMS_PER_RUN);
    expect((refused[0] as { body: string }).body).toMatch(/streams open/);
    const wouldBuffer = ATTEMPTS * TRANSCRIPT;
    expect(growth, `RSS grew ${Math.round(growth / MiB)} MiB; replaying whole to every stream would hold ${wouldBuffer / MiB} MiB`).toBeLessThan(
      wouldBuffer / 8,
    );
    for (const o of opened) o.ws.terminate();
    // The places are given back: a new stream is accepted and reads the whole replay and the end.
    await sleep(500);
    const again = await served.app.api.follow(r.id);
    expect(again.output.length).toBe(TRANSCRIPT);
    expect(again.closeCode).toBe(1000);
    await expectServerAlive(served.app.server, served.pid);
  });

  it(`past ${MAX_STREAMS_PER_CALLER} streams over several runs, the caller is refused with 429`, async () => {
    const runs = await Promise.all(
      Array.from({ length: Math.ceil(MAX_STREAMS_PER_CALLER / MAX_STREAMS_PER_RUN) + 1 }, () => served.app.api.startRun(served.session, 'sleep 600')),
    );
    // Streams on running runs stay open: each one holds its place while the next ones are opened.
    for (const run of runs) await expect.poll(async () => (await served.app.api.info(run)).status, { timeout: 120_000 }).toBe('running');
    const opened: Opened[] = [];
    const closedEarly: number[] = [];
    for (const run of runs) {
      for (let i = 0; i < MAX_STREAMS_PER_RUN; i++) {
        const o = await open(run);
        if (o.status === 101) o.ws.on('close', (code) => closedEarly.push(code));
        opened.push(o);
      }
    }
    expect(closedEarly, 'streams closed while the others were being opened').toEqual([]);
    const accepted = opened.filter((o) => o.status === 101).length;
    const refused = opened.filter((o) => o.status === 429);
    expect(accepted, `accepted ${accepted} of ${opened.length} streams of one caller`).toBe(MAX_STREAMS_PER_CALLER);
    expect((refused[0] as { body: string } | undefined)?.body ?? '', 'the refusal says why').toMatch(/run streams open/);
    for (const o of opened) o.ws.terminate();
    await Promise.all(runs.map((id) => served.app.api.stop(id)));
    await expectServerAlive(served.app.server, served.pid);
  });

  it(`a session's panel feeds: past ${MAX_FEEDS_PER_SESSION} at once, 429; a place is given back when one closes`, async () => {
    const openFeed = () =>
      new Promise<Opened>((resolve) => {
        const ws = new WebSocketClient(served.app.api.wsUrl(`/api/sessions/${served.session}/events`), {
          headers: { Authorization: `Bearer ${served.app.api.token}` },
        });
        ws.on('error', () => undefined);
        ws.on('open', () => resolve({ ws, status: 101 }));
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += String(d)));
          res.on('end', () => resolve({ ws, status: res.statusCode ?? 0, body }));
        });
      });
    const opened: Opened[] = [];
    for (let i = 0; i < MAX_FEEDS_PER_SESSION + 3; i++) opened.push(await openFeed());
    const accepted = opened.filter((o) => o.status === 101);
    const refused = opened.filter((o) => o.status === 429);
    expect(accepted.length, `accepted ${accepted.length} feeds of one session`).toBe(MAX_FEEDS_PER_SESSION);
    expect(refused.length).toBe(3);
    expect((refused[0] as { body: string }).body, 'the refusal says why').toMatch(/panel is open in \d+ tabs/);
    const closed = new Promise((r) => accepted[0]!.ws.once('close', r));
    accepted[0]!.ws.close();
    await closed;
    // The server sees the close a moment after the client does.
    let again = await openFeed();
    for (let i = 0; i < 50 && again.status !== 101; i++) {
      await sleep(100);
      again = await openFeed();
    }
    opened.push(again);
    expect(again.status, 'a closed feed gave its place back').toBe(101);
    for (const o of opened) o.ws.terminate();
  });
});
