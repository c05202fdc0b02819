import { FLOW } from '../protocol.ts';

/** What the stream should do with the run's output after a change: pause it, resume it, or nothing. */
export type FlowDecision = 'pause' | 'resume' | undefined;

export interface FlowControlOptions {
  /** The client acknowledges bytes it has written (the page); otherwise the socket's buffer counts. */
  acks: boolean;
  /** The socket's unsent bytes, for clients without acknowledgements. */
  socketBuffered?: () => number;
  limits?: { high: number; low: number };
}

/**
 * One watcher's flow control, as decisions only (no sockets, no timers): bytes waiting in the
 * watcher's queue are accounted, bytes handed to the socket committed, acknowledgements counted.
 * Above `high` bytes not yet acknowledged (or not yet sent) plus queued, the run's output is to be
 * paused; below `low`, resumed. Nothing more is handed to the socket while `high` is in flight.
 */
export class FlowControl {
  readonly #acks: boolean;
  readonly #socketBuffered: () => number;
  readonly #high: number;
  readonly #low: number;
  #sent = 0;
  #acked = 0;
  #queued = 0;
  #held = false;

  constructor(opts: FlowControlOptions) {
    this.#acks = opts.acks;
    this.#socketBuffered = opts.socketBuffered ?? (() => 0);
    this.#high = (opts.limits ?? FLOW).high;
    this.#low = (opts.limits ?? FLOW).low;
  }

  /**
   * Bytes handed to the socket that the client has not confirmed yet. With acknowledgements, never less
   * than the socket's own buffer: acks are the client's word, and one that acknowledges bytes it never
   * read (a forged ack) must still hold the run rather than pile its output up in the server.
   */
  get inFlight(): number {
    return this.#acks ? Math.max(this.#sent - this.#acked, this.#socketBuffered()) : this.#socketBuffered();
  }

  /** Everything this watcher still has to take: in flight plus queued. */
  get backlog(): number {
    return this.inFlight + this.#queued;
  }

  /** Whether this watcher holds the run's output paused now. */
  get held(): boolean {
    return this.#held;
  }

  /** Whether the next queued item may be handed to the socket. */
  get mayWrite(): boolean {
    return this.inFlight <= this.#high;
  }

  /** Bytes were queued for this watcher. */
  account(bytes: number): void {
    this.#queued += bytes;
  }

  /** Queued bytes were handed to the socket. */
  commit(bytes: number): void {
    this.#queued -= bytes;
    this.#sent += bytes;
  }

  /** The client says it has written `total` bytes so far (never more than were sent). */
  acknowledge(total: number): void {
    this.#acked = Math.min(this.#sent, Math.max(this.#acked, total));
  }

  /** Pause above the high watermark, resume below the low one; in between, keep what was decided. */
  decide(): FlowDecision {
    if (!this.#held && this.backlog > this.#high) {
      this.#held = true;
      return 'pause';
    }
    if (this.#held && this.backlog < this.#low) {
      this.#held = false;
      return 'resume';
    }
    return undefined;
  }

  /** The watcher is dropped or gone: its queue is discarded and it holds nothing any more. */
  drop(): void {
    this.#queued = 0;
    this.#held = false;
  }
}
