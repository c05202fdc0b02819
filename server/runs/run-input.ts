import type { Writable } from 'node:stream';

const MAX_TYPE_AHEAD = 64 * 1024;

/**
 * Stdin bytes a run may hold that its command has not taken yet. Above it, writers stop reading
 * from their clients until the exec's input drains: a command that never reads must not make the
 * server buffer whatever a client sends.
 */
export const STDIN_HIGH = 1024 * 1024;

/** What waiting for the input to drain needs of its run: whether it ended, and its end. */
interface RunEnd {
  readonly finished: boolean;
  on(event: 'end', listener: () => void): unknown;
  off(event: 'end', listener: () => void): unknown;
}

/**
 * A run's stdin: keys typed before the exec started wait here (up to MAX_TYPE_AHEAD) until it does;
 * after, they go straight to the exec's input.
 */
export class RunInput {
  /** Keys typed before the exec started: applied when it does. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #input: Writable | undefined;

  /** From now on keys go to the exec's input; what was typed ahead waits for `flush`. */
  connect(input: Writable): void {
    this.#input = input;
  }

  /** Writes what was typed ahead to the exec's input. */
  flush(): void {
    if (!this.#input) return;
    for (const chunk of this.#pending) this.#input.write(chunk);
    this.#pending = [];
  }

  /** Sends bytes to the exec's input, or keeps them until it starts; false if typed ahead too far. */
  write(data: Buffer): boolean {
    if (this.#input) {
      this.#input.write(data);
      return true;
    }
    if (this.#pendingBytes + data.length > MAX_TYPE_AHEAD) return false;
    this.#pending.push(data);
    this.#pendingBytes += data.length;
    return true;
  }

  /** Input bytes not yet taken by the command (typed ahead, or queued towards the exec). */
  get backlog(): number {
    return this.#input ? this.#input.writableLength : this.#pendingBytes;
  }

  /** Calls `cb` once the exec's input has drained, or the run has ended; returns a cancel. */
  whenDrains(run: RunEnd, cb: () => void): () => void {
    const input = this.#input;
    const cancel = () => {
      input?.off('drain', done);
      run.off('end', done);
    };
    const done = () => {
      cancel();
      cb();
    };
    if (run.finished || this.backlog <= STDIN_HIGH) {
      queueMicrotask(cb);
      return () => undefined;
    }
    input?.on('drain', done);
    run.on('end', done);
    return cancel;
  }
}
