import type WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { rssBytes } from '../support/process-memory.ts';
import { openRunning } from '../support/open-running.ts';
import { expectServerAlive } from '../support/server-alive.ts';
import { useSessionServer } from '../support/session-server.ts';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const served = useSessionServer();

describe('a reader that stops reading', () => {
  it('is dropped after the 10 s hold, well before 25 s, and the run goes on for another reader', async () => {
    const run = await served.app.api.startRun(served.session, 'yes');
    // Reader A: asks for acks, then neither acks nor reads its socket at all.
    const a = await openRunning(served.app.api, run, true);
    a.pause();
    const aOpened = Date.now();
    const aClosed = new Promise<{ code: number; at: number }>((r) => a.on('close', (code) => r({ code, at: Date.now() })));

    // Reader B attaches once A holds the run: it gets the replay, then nothing while A holds.
    await sleep(1000);
    let bBytes = 0;
    const b = await openRunning(served.app.api, run);
    b.on('message', (d, binary) => {
      if (binary) bBytes += (d as Buffer).length;
    });
    await sleep(1500);
    const afterReplay = bBytes;
    await sleep(2500);
    const duringHold = bBytes - afterReplay;
    expect(duringHold, `B received ${duringHold} bytes while A held the run: A never held it, so this test shows nothing`).toBeLessThan(256 * 1024);

    // The hold ends when A is dropped: B's output flows again.
    let resumedAfter = -1;
    while (Date.now() - aOpened < 60_000) {
      if (bBytes - afterReplay > 4 * MiB) {
        resumedAfter = Date.now() - aOpened;
        break;
      }
      await sleep(100);
    }
    expect(resumedAfter, 'the run never resumed for reader B within 60 s').toBeGreaterThan(0);
    expect(resumedAfter, `the run resumed ${resumedAfter} ms after the slow reader opened; expected the 10 s hold plus a margin`).toBeLessThan(
      25_000,
    );
    expect(resumedAfter).toBeGreaterThan(8_000);
    // A reads again: it must find its stream ended by the server (the close code, or the cut).
    a.resume();
    const closed = await Promise.race([aClosed, sleep(30_000).then(() => undefined)]);
    expect(closed, 'the server never closed slow reader A (waited 30 s after A read again)').toBeDefined();
    expect([4001, 1006], `A's stream ended with code ${closed!.code}`).toContain(closed!.code);
    expect(closed!.at - aOpened, 'A saw its socket end late').toBeLessThan(60_000);
    expect((await served.app.api.info(run)).status).toBe('running');
    b.close();
    await served.app.api.stop(run);
    await expectServerAlive(served.app.server, served.pid);
  });
});

describe('a reader that acknowledges bytes it never read (forged acks)', () => {
  it('still holds the run and is dropped after the hold; the server does not pile the output up for it', async () => {
    const run = await served.app.api.startRun(served.session, 'yes');
    const a = await openRunning(served.app.api, run, true);
    a.pause();
    const opened = Date.now();
    const base = rssBytes(served.pid);
    let peak = base;
    let closed: number | undefined;
    a.on('close', (code) => (closed = code));
    // Acks far ahead of anything sent, every 20 ms, while the socket is never read.
    while (closed === undefined && Date.now() - opened < 25_000) {
      if (a.readyState === a.OPEN) a.send(JSON.stringify({ type: 'ack', bytes: Number.MAX_SAFE_INTEGER }));
      await sleep(20);
      peak = Math.max(peak, rssBytes(served.pid));
      // The close frame waits behind unread bytes: read once the server must have dropped it.
      if (Date.now() - opened > 12_000) a.resume();
    }
    for (let i = 0; i < 100 && closed === undefined; i++) await sleep(100);
    expect(closed, 'the reader that forged acks was never dropped').toBeDefined();
    expect([4001, 1006], `its stream ended with code ${closed}`).toContain(closed);
    const growth = (peak - base) / MiB;
    // Unbounded, `yes` fills the server at tens of MiB a second for the whole hold.
    expect(growth, `the server grew ${growth.toFixed(0)} MiB while the reader forged acks`).toBeLessThan(64);
    await served.app.api.stop(run);
    await expectServerAlive(served.app.server, served.pid);
  });
});

/**
 * Sends stdin as fast as the connection takes it (keeping at most 4 MiB in this client), up to
 * `offered` bytes, for at most `maxMs`, or until the server has stopped taking bytes for 3 s.
 * Returns the bytes handed over and whether it stalled, and, measured from the moment WARMUP bytes
 * had gone in (the server's heap and allocator have settled by then, so what follows is growth
 * that tracks the input, not start-up noise), the bytes handed over since and the server's peak RSS growth.
 */
async function flood(
  ws: WebSocket,
  frame: Buffer,
  offered: number,
  maxMs: number,
): Promise<{ sent: number; measured: number; growth: number; stalled: boolean }> {
  let base = rssBytes(served.pid);
  let baseTaken = 0;
  let warm = false;
  let peak = base;
  let queued = 0;
  const started = Date.now();
  let lastProgress = Date.now();
  let lastTaken = 0;
  const result = (taken: number, stalled: boolean) => ({ sent: taken, measured: warm ? taken - baseTaken : 0, growth: peak - base, stalled });
  while (queued < offered && Date.now() - started < maxMs && ws.readyState === ws.OPEN) {
    while (ws.bufferedAmount < 4 * MiB && queued < offered) {
      ws.send(frame, { binary: true });
      queued += frame.length;
    }
    await sleep(20);
    const taken = queued - ws.bufferedAmount;
    if (!warm && taken >= WARMUP) {
      warm = true;
      base = peak = rssBytes(served.pid);
      baseTaken = taken;
    }
    peak = Math.max(peak, rssBytes(served.pid));
    if (taken > lastTaken) {
      lastTaken = taken;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > 3000) {
      return result(taken, true);
    }
  }
  await sleep(500);
  peak = Math.max(peak, rssBytes(served.pid));
  return result(queued - ws.bufferedAmount, false);
}

/** Input after which the server's memory is compared with what goes in. */
const WARMUP = 16 * MiB;

describe('stdin faster than the command reads it', () => {
  const OFFERED = 512 * MiB;
  /** Input the client must have handed over after the warm-up for a memory comparison to mean something. */
  const MIN_MEASURED = 32 * MiB;
  const shapes: Array<[string, string, number, number]> = [
    ['64 KiB frames to a command that never reads (raw TTY)', 'stty raw -echo; sleep 600', 64 * 1024, 60_000],
    ['1 KiB frames to a command that never reads (raw TTY)', 'stty raw -echo; sleep 600', 1024, 60_000],
    ['64 KiB frames to a command that never reads (line mode)', 'sleep 600', 64 * 1024, 90_000],
    [
      '64 KiB frames to a command that reads 4 MiB a second',
      'stty raw -echo; while :; do head -c 4194304 > /dev/null; sleep 1; done',
      64 * 1024,
      20_000,
    ],
  ];
  it.each(shapes)('%s: server memory grows far less than what is offered', async (_name, command, frameBytes, maxMs) => {
    const run = await served.app.api.startRun(served.session, command);
    const ws = await openRunning(served.app.api, run);
    // Let the TTY settle into raw mode before the flood starts.
    await sleep(500);
    const frame = Buffer.alloc(frameBytes, 0x61);
    const { sent, measured, growth, stalled } = await flood(ws, frame, OFFERED, maxMs);
    const said = `${(sent / MiB).toFixed(0)} MiB of ${OFFERED / MiB} MiB offered went in (stalled: ${stalled}); after the first ${WARMUP / MiB} MiB, the server's RSS grew ${(growth / MiB).toFixed(0)} MiB while ${(measured / MiB).toFixed(0)} MiB went in`;
    if (stalled) {
      // The server stopped taking input: what it holds is bounded by what went in, a small part of the offer.
      expect(sent, `the server took most of the input before it stalled: ${said}`).toBeLessThan(OFFERED / 4);
    } else {
      // It kept taking input: a server that buffered stdin would grow by about what went in, so
      // compare with that, once enough went in for the difference to show (see test/support/flood.ts).
      expect(measured, `too little input went in to tell bounded from unbounded: ${said}`).toBeGreaterThan(MIN_MEASURED);
      // A floor of 64 MiB: on a loaded machine a slow reader lets only ~40 MiB in, and the heap's own
      // noise is then near half of it; a server that buffered stdin would have taken most of the 512 MiB.
      expect(growth, said).toBeLessThan(Math.max(measured / 2, 64 * MiB));
    }
    if (command.endsWith('sleep 600') && command.startsWith('stty')) {
      expect(stalled, `the server kept taking input from a command that never reads (${(sent / MiB).toFixed(0)} MiB)`).toBe(true);
      expect(sent).toBeLessThan(OFFERED / 4);
    }
    ws.terminate();
    await served.app.api.stop(run);
    await expectServerAlive(served.app.server, served.pid);
  });

  it('input past the bound is delayed, not lost: a command that reads it all gets every byte', async () => {
    const total = 8 * MiB;
    const run = await served.app.api.startRun(served.session, `stty raw -echo; head -c ${total} | wc -c; stty sane`);
    const ws = await openRunning(served.app.api, run);
    await sleep(500);
    let output = '';
    ws.on('message', (d, binary) => {
      if (binary) output += String(d);
    });
    const ended = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    const { sent } = await flood(ws, Buffer.alloc(64 * 1024, 0x62), total, 60_000);
    expect(sent, 'the client could not hand over all its input').toBe(total);
    expect(await ended).toBe(1000);
    expect(output, 'the command did not read every byte sent').toContain(String(total));
  });
});
