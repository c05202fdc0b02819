import type { ExecHandle } from '../sandbox/session-sandbox.ts';

type Size = { cols: number; rows: number };

const LATE_RESIZE_MS = 150;

/**
 * A run's terminal size: the latest asked for, given to the exec once it exists, in order, and again
 * once the size the exec was started with can no longer undo it.
 */
export class RunSize {
  /** The latest size asked for (before the exec started too: applied when it does). */
  latest: Size | undefined;
  readonly #ended: () => boolean;
  #exec: ExecHandle | undefined;
  #startedWith: Size | undefined;
  #sawOutput = false;
  /** The size to ask the engine for once the resize in flight has answered (only the latest is kept). */
  #next: Size | undefined;
  /** The resizes under way, until the engine has the latest size; undefined while none is. */
  #resizing: Promise<void> | undefined;

  /** `ended`: whether the run has ended (nothing is resized then). */
  constructor(size: Size | undefined, ended: () => boolean) {
    this.latest = size;
    this.#ended = ended;
  }

  /** A new size: kept, and asked of the exec if it has started. */
  ask(cols: number, rows: number): void {
    this.latest = { cols, rows };
    if (this.#exec) void this.#inOrder(this.latest);
  }

  /** The exec started, at `startedWith`. */
  started(exec: ExecHandle, startedWith: Size | undefined): void {
    this.#exec = exec;
    this.#startedWith = startedWith;
    // The wrapper set the size it was started with; a resize that came while the exec was being
    // made is applied once the wrapper's own stty is surely done.
    setTimeout(() => this.#catchUp(), LATE_RESIZE_MS).unref();
  }

  /** The command printed something. */
  output(): void {
    // The command's first output comes after the wrapper's stty: a resize that landed before that
    // stty (on a busy host, later than LATE_RESIZE_MS) was undone by it, so apply the latest again.
    if (this.#sawOutput) return;
    this.#sawOutput = true;
    this.#catchUp();
  }

  #catchUp(): void {
    if (this.latest && this.latest !== this.#startedWith && !this.#ended()) void this.#inOrder(this.latest);
  }

  /**
   * Resizes one after another, so the engine always ends at the latest size. One call is in flight
   * at a time and only the latest size waits behind it: a client sending resizes faster than the
   * engine answers them must not queue an engine call per frame.
   */
  #inOrder(size: Size): Promise<void> {
    this.#next = size;
    this.#resizing ??= (async () => {
      try {
        for (let next = this.#next; next; next = this.#next) {
          this.#next = undefined;
          // A resize racing the exec's end may fail; the next one (or the end) follows regardless.
          await this.#exec?.resize(next.cols, next.rows).catch(() => undefined);
        }
      } finally {
        this.#resizing = undefined;
      }
    })();
    return this.#resizing;
  }
}
