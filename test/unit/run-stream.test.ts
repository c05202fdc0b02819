import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOSE, FLOW } from '../../server/protocol.ts';
import { Run } from '../../server/runs/run.ts';
import { LIVE_QUEUE_MAX, streamRun } from '../../server/ws/run-stream.ts';
import { FakeSandbox, type FakeSandboxOptions, settle } from './fake-sandbox.ts';
import { FakeSocket } from './fake-socket.ts';

/** A run of `yes` streaming in a fake sandbox; `opts` as FakeSandbox takes them (e.g. signals that do nothing). */
async function runningRun(opts: FakeSandboxOptions = {}) {
  const sandbox = new FakeSandbox('session-1', 1, opts);
  const run = new Run({
    id: 'run-1',
    sessionId: 'session-1',
    command: 'yes',
    timeoutMs: 0,
    outputLimit: 8 * 1024 * 1024,
    stopGraceMs: 2000,
    detachedGraceMs: 60_000,
  });
  void run.start(async () => sandbox);
  await settle();
  const exec = sandbox.runs[0]!;
  return { run, exec };
}

const chunk = Buffer.alloc(64 * 1024, 'y');

describe('the run stream', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pauses the command above the high watermark of unacknowledged bytes and resumes below the low one', async () => {
    const { run, exec } = await runningRun();
    const ws = new FakeSocket();
    streamRun(ws.ws, run, 0, true);
    for (let i = 0; i < 10; i++) exec.output.write(chunk);
    await settle();
    expect(exec.output.isPaused(), 'the exec output kept flowing past the high watermark').toBe(true);
    expect(ws.bytesSent, 'handed more than the high watermark (plus one piece) to a client that acknowledged nothing').toBeLessThanOrEqual(
      FLOW.high + chunk.length,
    );
    ws.receive(JSON.stringify({ type: 'ack', bytes: ws.bytesSent }));
    await settle();
    expect(exec.output.isPaused(), 'still paused after the client caught up').toBe(false);
    expect(ws.closed).toBeUndefined();
  });

  it('drops a slow reader after 10 s of holding the run, and the command goes on for the others', async () => {
    const { run, exec } = await runningRun();
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    streamRun(slow.ws, run, 0, true);
    streamRun(fast.ws, run, 0, true);
    for (let i = 0; i < 10; i++) exec.output.write(chunk);
    await settle();
    fast.receive(JSON.stringify({ type: 'ack', bytes: fast.bytesSent }));
    await settle();
    expect(exec.output.isPaused(), 'the slow reader holds the run').toBe(true);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(slow.closed, 'dropped before 10 s').toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(slow.closed?.code).toBe(CLOSE.tooSlow);
    expect(slow.terminated, "the slow reader's socket is cut, not left to a close handshake it would not answer").toBe(true);
    await settle();
    expect(exec.output.isPaused(), 'the command stayed paused after the slow reader was dropped').toBe(false);
    expect(fast.closed).toBeUndefined();
  });

  it('an ack for bytes the client never read does not lift the hold: the socket buffer counts too', async () => {
    const { run, exec } = await runningRun();
    const ws = new FakeSocket();
    streamRun(ws.ws, run, 0, true);
    for (let i = 0; i < 10; i++) {
      exec.output.write(chunk);
      await settle();
      // The client reads nothing: all that was sent stays in the socket's buffer, yet it acks far ahead.
      ws.bufferedAmount = ws.bytesSent;
      ws.receive(JSON.stringify({ type: 'ack', bytes: Number.MAX_SAFE_INTEGER }));
      await settle();
    }
    expect(exec.output.isPaused(), 'forged acks kept the command flowing into an unread socket').toBe(true);
    expect(ws.bytesSent, 'handed more than the high watermark (plus one piece) to a socket that holds it all').toBeLessThanOrEqual(
      FLOW.high + chunk.length,
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ws.closed?.code, 'the reader that forges acks is dropped after the hold').toBe(CLOSE.tooSlow);
  });

  it('after Stop (the run no longer pauses) a reader that falls behind is dropped at the live-queue bound, not after 10 s', async () => {
    const { run, exec } = await runningRun({ helper: async () => ({ output: '', exitCode: 0 }) });
    const ws = new FakeSocket();
    streamRun(ws.ws, run, 0, true);
    void run.stop(); // its signals do nothing here: the command floods on while Stop waits
    await settle();
    let written = 0;
    // What was handed to the socket (up to FLOW.high and a piece) is not queued any more.
    while (written <= LIVE_QUEUE_MAX + FLOW.high + 4 * chunk.length && !ws.closed) {
      exec.output.write(chunk);
      written += chunk.length;
      await settle();
    }
    expect(ws.closed?.code, `after ${written} bytes the reader that reads nothing was still queued for`).toBe(CLOSE.tooSlow);
    expect(ws.terminated).toBe(true);
    exec.end(137);
  });

  it("answers to the client's bad frames are left out while its socket holds too much it has not read", async () => {
    const { run } = await runningRun();
    const ws = new FakeSocket();
    streamRun(ws.ws, run, 0, true);
    ws.receive('not json');
    expect(
      ws.messages.filter((m) => m.type === 'error'),
      'a bad frame gets an error',
    ).toHaveLength(1);
    ws.bufferedAmount = 64 * 1024 * 1024;
    for (let i = 0; i < 100; i++) ws.receive('not json');
    expect(
      ws.messages.filter((m) => m.type === 'error'),
      'errors queued on a socket that reads nothing',
    ).toHaveLength(1);
  });

  it('an attach replays the transcript from `since`, then follows live output, and ends with the exit', async () => {
    const { run, exec } = await runningRun();
    exec.output.write('hello ');
    await settle();
    const ws = new FakeSocket();
    streamRun(ws.ws, run, 2, true);
    exec.output.write('world');
    await settle();
    exec.end(0);
    await run.ended;
    await settle();
    expect(ws.messages[0]).toMatchObject({ type: 'hello', offset: 2, status: 'running' });
    expect(Buffer.concat(ws.sent.filter((d): d is Buffer => typeof d !== 'string')).toString()).toBe('llo world');
    expect(ws.messages.at(-1)).toMatchObject({ type: 'exit', exitCode: 0 });
    expect(ws.closed?.code).toBe(CLOSE.normal);
  });
});
