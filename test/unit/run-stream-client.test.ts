/**
 * The stream client against a fake transport (the real socket is covered by the integration,
 * security and e2e layers): resume with `since`, acknowledgements, giving up, what it sends.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOSE, type ServerMessage } from '../../server/protocol.ts';
import { RunStreamClient, type RunStreamOptions, type SocketHandlers, type StreamTransport } from '../../src/client/run-stream-client.ts';

/** One fake socket: what the client sent on it, and the server's side to drive it. */
interface FakeSocket {
  url: string;
  sent: Array<string | Uint8Array>;
  on: SocketHandlers;
  open: boolean;
}

function fakeTransport() {
  const sockets: FakeSocket[] = [];
  const transport: StreamTransport = (url, on) => {
    const s: FakeSocket = { url, sent: [], on, open: false };
    sockets.push(s);
    return {
      get open() {
        return s.open;
      },
      send: (data) => void s.sent.push(data),
      close: () => {
        s.open = false;
        on.close(CLOSE.normal);
      },
    };
  };
  const server = {
    open(s: FakeSocket) {
      s.open = true;
      s.on.open();
    },
    message(s: FakeSocket, m: ServerMessage) {
      s.on.message(JSON.stringify(m));
    },
    close(s: FakeSocket, code: number) {
      s.open = false;
      s.on.close(code);
    },
  };
  return { transport, sockets, server };
}

const bytes = (text: string) => new TextEncoder().encode(text);
const acks = (s: FakeSocket) =>
  s.sent
    .filter((f): f is string => typeof f === 'string')
    .map((f) => JSON.parse(f) as { type: string; bytes?: number })
    .filter((m) => m.type === 'ack');

function client(options: Partial<RunStreamOptions> = {}) {
  const fake = fakeTransport();
  const c = new RunStreamClient('run-1', { transport: fake.transport, url: (p) => `ws://notes${p}`, ...options });
  const output: string[] = [];
  c.on('output', (b) => void output.push(new TextDecoder().decode(b)));
  return { c, output, ...fake };
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('the stream client', () => {
  it('resumes a lost connection from the bytes it has, each byte once, and ends with the exit', async () => {
    const { c, output, sockets, server } = client({ reconnects: 3 });
    const ended = c.start();
    const first = sockets[0]!;
    expect(first.url).toBe('ws://notes/api/runs/run-1/stream?since=0');
    server.open(first);
    server.message(first, { type: 'hello', offset: 0, status: 'running', dropped: 0 });
    first.on.message(bytes('line 1\n'));
    server.close(first, 1006);
    await vi.runAllTimersAsync();
    const second = sockets[1];
    expect(second?.url, 'a second socket, from the bytes already received').toBe('ws://notes/api/runs/run-1/stream?since=7');
    server.open(second!);
    server.message(second!, { type: 'hello', offset: 7, status: 'running', dropped: 0 });
    second!.on.message(bytes('line 2\n'));
    server.message(second!, { type: 'exit', exitCode: 0, durationMs: 5 });
    server.close(second!, CLOSE.normal);
    expect(await ended).toEqual({ kind: 'exit', exitCode: 0, durationMs: 5, stopped: false });
    expect(await c.closed).toBe(CLOSE.normal);
    expect(output.join('')).toBe('line 1\nline 2\n');
  });

  it('says how many bytes the server no longer had, and counts on from its offset', async () => {
    const { c, sockets, server } = client();
    const dropped: number[] = [];
    c.on('dropped', (n) => void dropped.push(n));
    void c.start();
    server.open(sockets[0]!);
    server.message(sockets[0]!, { type: 'hello', offset: 1000, status: 'running', dropped: 1000 });
    sockets[0]!.on.message(bytes('x'));
    expect(dropped).toEqual([1000]);
    expect(c.received).toBe(1001);
  });

  it('acknowledges only what the reader processed, in batches', async () => {
    const { c, sockets, server } = client({ ack: 'when-processed' });
    const held: Array<() => void> = [];
    c.on('output', (_b, processed) => void held.push(processed));
    void c.start();
    const s = sockets[0]!;
    expect(s.url).toBe('ws://notes/api/runs/run-1/stream?since=0&ack=1');
    server.open(s);
    s.on.message(new Uint8Array(1000));
    s.on.message(new Uint8Array(500));
    await vi.advanceTimersByTimeAsync(1000);
    expect(acks(s), 'nothing processed, nothing acknowledged').toEqual([]);
    for (const p of held.splice(0)) p();
    expect(acks(s), 'the batch waits a moment').toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(acks(s)).toEqual([{ type: 'ack', bytes: 1500 }]);
    // A large amount is acknowledged at once.
    s.on.message(new Uint8Array(64 * 1024));
    for (const p of held.splice(0)) p();
    expect(acks(s).at(-1)).toEqual({ type: 'ack', bytes: 1500 + 64 * 1024 });
  });

  it('gives up after its reconnects, or at once with the reason the page gives', async () => {
    const lost = client({ reconnects: 2 });
    const lostEnd = lost.c.start();
    for (let i = 0; i < 3; i++) {
      lost.server.close(lost.sockets[i]!, 1006);
      await vi.runAllTimersAsync();
    }
    expect(lost.sockets, 'the first socket and two reconnects').toHaveLength(3);
    expect(await lostEnd).toMatchObject({ kind: 'failed', message: expect.stringMatching(/Lost the connection/) });

    const signedOut = client({ reconnects: 5, beforeReconnect: async () => 'Signed out' });
    const signedOutEnd = signedOut.c.start();
    signedOut.server.close(signedOut.sockets[0]!, 1006);
    await vi.runAllTimersAsync();
    expect(await signedOutEnd).toEqual({ kind: 'failed', message: 'Signed out' });
    expect(signedOut.sockets, 'no second socket once the page said why not').toHaveLength(1);
  });

  it('does not reconnect after the run failed, and sends nothing once the run ended', async () => {
    const { c, sockets, server } = client({ reconnects: 5 });
    const ended = c.start();
    const s = sockets[0]!;
    server.open(s);
    c.stdin('ab');
    c.resize(100, 30);
    server.message(s, { type: 'error', message: 'sandbox died', ended: true });
    c.stdin('late');
    c.resize(120, 40);
    server.close(s, CLOSE.runFailed);
    await vi.runAllTimersAsync();
    expect(await ended).toEqual({ kind: 'failed', message: 'sandbox died', stopped: false });
    expect(sockets).toHaveLength(1);
    expect(s.sent.map((f) => (typeof f === 'string' ? f : new TextDecoder().decode(f)))).toEqual(['ab', '{"type":"resize","cols":100,"rows":30}']);
  });
});
