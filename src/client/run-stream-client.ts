import { CLOSE, encodeClientMessage, runStreamPath, type ClientMessage, type ServerMessage } from '../../server/protocol.ts';

/**
 * What the client needs of a socket, whoever made it: the browser's WebSocket and Node's (see
 * webSocketTransport), or the `ws` package (test/support/ws-transport.ts), which can send headers.
 */
export interface StreamSocket {
  /** Whether frames can be sent now. */
  readonly open: boolean;
  send(data: string | Uint8Array): void;
  close(): void;
}

/** Told what happens on one socket; binary frames arrive as bytes, text frames as strings. */
export interface SocketHandlers {
  open(): void;
  message(data: Uint8Array | string): void;
  /** Once per socket. `reason` says why when the server refused the upgrade (a status the browser never shows). */
  close(code: number, reason?: string): void;
}

/** Opens a socket to an absolute ws(s) URL. */
export type StreamTransport = (url: string, on: SocketHandlers) => StreamSocket;

/** A socket from the WHATWG WebSocket API: the browser's, and Node's global one. */
export function webSocketTransport(make: (url: string) => WebSocket = (url) => new WebSocket(url)): StreamTransport {
  return (url, on) => {
    const ws = make(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => on.open();
    ws.onmessage = (ev) => on.message(ev.data instanceof ArrayBuffer ? new Uint8Array(ev.data) : String(ev.data));
    ws.onclose = (ev) => on.close(ev.code);
    return {
      get open() {
        return ws.readyState === WebSocket.OPEN;
      },
      send: (data) => ws.send(data as Uint8Array<ArrayBuffer> | string),
      close: () => {
        // Forget the socket entirely: a late frame or close must not reach a client that moved on.
        ws.onopen = ws.onmessage = ws.onclose = null;
        ws.close();
        on.close(CLOSE.normal);
      },
    };
  };
}

/** How a run's stream ended for this client (`stopped`: someone stopped the run, see the exit message). */
export type RunEnd =
  | { kind: 'exit'; exitCode: number; durationMs: number; stopped?: boolean }
  | { kind: 'failed'; message: string; stopped?: boolean };

export interface RunStreamEvents {
  /** The socket opened (each reconnect too). */
  open: () => void;
  /** Output bytes in order, each exactly once; with `ack: 'when-processed'`, call `processed` once they are. */
  output: (bytes: Uint8Array, processed: () => void) => void;
  /** A control message from the server (hello, phase, exit, error). */
  message: (m: ServerMessage) => void;
  /** The server no longer had `count` bytes this client had not seen (it keeps the last part of a run). */
  dropped: (count: number) => void;
  /** The run's stream is over for this client: the run ended, or the connection could not be kept. */
  end: (e: RunEnd) => void;
}

/** An xterm-style disposable: every listener can be taken off again. */
export interface Disposable {
  dispose(): void;
}

export interface RunStreamOptions {
  transport: StreamTransport;
  /** The absolute ws(s) URL of a path on the notes server. */
  url: (path: string) => string;
  /** Start after this many bytes (a reader that has them already). */
  since?: number;
  /**
   * Flow control: `on-receipt` acknowledges bytes as they arrive, `when-processed` when the output
   * listener calls `processed` (xterm's write callback). Without, the server watches its socket buffer.
   */
  ack?: 'on-receipt' | 'when-processed';
  /** Reconnect with `since` after a lost connection, up to this many times in a row (default 0). */
  reconnects?: number;
  /** Asked before each reconnect: a reason to give up instead (the page: signed out), or undefined. */
  beforeReconnect?: () => Promise<string | undefined>;
  /** The first reconnect waits this long, each further one twice as long (default 250 ms). */
  reconnectDelayMs?: number;
}

/** Acknowledged in batches: after this many bytes, or this long after the first unacknowledged one. */
const ACK_BYTES = 64 * 1024;
const ACK_DELAY_MS = 50;

const encoder = new TextEncoder();

export const LOST_CONNECTION = 'Lost the connection to the notes server. Reload the page to re-attach.';

/**
 * One client of a run's stream (`/api/runs/:id/stream`) for the page, the tests and the bench:
 * numbers output bytes by offset, resumes with `since` after a dropped connection (each byte exactly
 * once), acknowledges processed bytes for flow control, sends stdin and resizes, and ends once with
 * how the run ended.
 */
export class RunStreamClient {
  readonly runId: string;
  readonly #o: RunStreamOptions;
  readonly #listeners: { [K in keyof RunStreamEvents]: Set<RunStreamEvents[K]> } = {
    open: new Set(),
    output: new Set(),
    message: new Set(),
    dropped: new Set(),
    end: new Set(),
  };
  #socket: StreamSocket | undefined;
  #received: number;
  #attempt = 0;
  #ended: RunEnd | undefined;
  #stopped = false;
  #lastClose = 0;
  #resolveClosed!: (code: number) => void;
  /** Resolves with the last close code once the client is done: no socket is open and none will be. */
  readonly closed: Promise<number>;

  constructor(runId: string, options: RunStreamOptions) {
    this.runId = runId;
    this.#o = options;
    this.#received = options.since ?? 0;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  /** Output bytes received so far, counted from offset 0 (`since` included). */
  get received(): number {
    return this.#received;
  }

  get ended(): RunEnd | undefined {
    return this.#ended;
  }

  /** Whether a socket is open to send on. */
  get open(): boolean {
    return !this.#stopped && this.#socket?.open === true;
  }

  on<K extends keyof RunStreamEvents>(event: K, listener: RunStreamEvents[K]): Disposable {
    const set = this.#listeners[event] as Set<RunStreamEvents[K]>;
    set.add(listener);
    return { dispose: () => set.delete(listener) };
  }

  /** Opens the stream; resolves with how the run ended. */
  start(): Promise<RunEnd> {
    const ended = new Promise<RunEnd>((resolve) => this.on('end', resolve));
    this.#connect();
    return ended;
  }

  /** Keys typed into the run (as UTF-8), while the stream is open and the run has not ended. */
  stdin(data: string | Uint8Array): void {
    if (this.open && !this.#ended) this.#socket!.send(typeof data === 'string' ? encoder.encode(data) : data);
  }

  resize(cols: number, rows: number): void {
    this.#send({ type: 'resize', cols, rows });
  }

  /** Stops following: closes the socket without reconnecting (the run goes on on the server). */
  close(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#socket?.close();
  }

  #send(m: ClientMessage): void {
    if (this.open && !this.#ended) this.#socket!.send(encodeClientMessage(m));
  }

  #emit<K extends keyof RunStreamEvents>(event: K, ...args: Parameters<RunStreamEvents[K]>): void {
    for (const l of [...this.#listeners[event]]) (l as (...a: Parameters<RunStreamEvents[K]>) => void)(...args);
  }

  #end(e: RunEnd): void {
    if (this.#ended) return;
    this.#ended = e;
    this.#emit('end', e);
  }

  #finish(code: number): void {
    this.#stopped = true;
    this.#resolveClosed(code);
  }

  #connect(): void {
    const ack = this.#o.ack;
    const url = this.#o.url(runStreamPath(this.runId, this.#received, ack !== undefined));
    let socket: StreamSocket | undefined;
    const acker = ack ? this.#acker(() => socket) : undefined;
    let closedOnce = false;
    socket = this.#o.transport(url, {
      open: () => {
        if (this.#socket !== socket) return;
        this.#attempt = 0;
        this.#emit('open');
      },
      message: (data) => {
        if (this.#socket !== socket || this.#stopped) return;
        if (typeof data !== 'string') {
          this.#received += data.length;
          const processed = acker ? () => acker(data.length) : () => undefined;
          this.#emit('output', data, processed);
          if (ack === 'on-receipt') processed();
          return;
        }
        const m = JSON.parse(data) as ServerMessage;
        if (m.type === 'hello' && m.offset > this.#received) {
          this.#emit('dropped', m.offset - this.#received);
          this.#received = m.offset;
        }
        this.#emit('message', m);
        if (m.type === 'exit') this.#end({ kind: 'exit', exitCode: m.exitCode, durationMs: m.durationMs, stopped: m.stopped === true });
        if (m.type === 'error' && m.ended) this.#end({ kind: 'failed', message: m.message, stopped: m.stopped === true });
      },
      close: (code, reason) => {
        if (closedOnce) return;
        closedOnce = true;
        this.#lastClose = code;
        if (this.#socket !== socket) return;
        this.#onClose(code, reason);
      },
    });
    this.#socket = socket;
  }

  #onClose(code: number, reason: string | undefined): void {
    if (this.#stopped || this.#ended || code === CLOSE.runFailed) {
      // A run that failed said so in an error frame before this close.
      if (!this.#ended && !this.#stopped) this.#end({ kind: 'failed', message: reason ?? LOST_CONNECTION });
      this.#finish(code);
      return;
    }
    // Lost mid-run (network, server restart, a reader held too long): resume from the bytes we have.
    if (this.#attempt >= (this.#o.reconnects ?? 0)) {
      this.#end({ kind: 'failed', message: reason ?? LOST_CONNECTION });
      this.#finish(code);
      return;
    }
    const delay = (this.#o.reconnectDelayMs ?? 250) * 2 ** this.#attempt++;
    setTimeout(() => {
      void (this.#o.beforeReconnect?.() ?? Promise.resolve(undefined)).then((giveUp) => {
        if (this.#stopped || this.#ended) return this.#finish(this.#lastClose);
        if (giveUp !== undefined) {
          this.#end({ kind: 'failed', message: giveUp });
          return this.#finish(this.#lastClose);
        }
        this.#connect();
      });
    }, delay);
  }

  /** Counts processed bytes on one socket and acknowledges them in batches (the server counts per socket). */
  #acker(socket: () => StreamSocket | undefined): (n: number) => void {
    let processed = 0;
    let acked = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const s = socket();
      if (s?.open && processed > acked) {
        acked = processed;
        s.send(encodeClientMessage({ type: 'ack', bytes: processed }));
      }
    };
    return (n) => {
      processed += n;
      if (processed - acked >= ACK_BYTES) flush();
      else if (timer === undefined) timer = setTimeout(flush, ACK_DELAY_MS);
    };
  }
}
