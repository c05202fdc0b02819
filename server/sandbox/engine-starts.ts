/**
 * Whose sandbox engine may start now. A sandbox is handed out before its engine answers (a Run
 * that needs no engine does not wait), and an engine's start-up costs more CPU than making its
 * container. So while sandboxes wait to be made, engines wait: with 50 sessions at once on two
 * cores that took the last first byte from 30 s to 17 s, and the last engine was ready no later
 * (bench section 5). Then they start a few at a time, in the order their sandboxes were made. An
 * engine that has waited `maxWaitMs` starts anyway, one at a time, so a stream of new sessions
 * that never lets the queue empty cannot hold an engine back for ever.
 */
export class EngineStarts {
  readonly #atOnce: number;
  readonly #creationsWaiting: () => number;
  readonly #maxWaitMs: number;
  #running = 0;
  readonly #queue: Array<{ since: number; go: () => void }> = [];
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param atOnce engines starting at once when no sandbox waits to be made
   * @param creationsWaiting how many sandboxes wait for their turn to be made (the creation gate's queue)
   * @param maxWaitMs how long an engine waits for the creations at most
   */
  constructor(atOnce: number, creationsWaiting: () => number, maxWaitMs = 30_000) {
    this.#atOnce = atOnce;
    this.#creationsWaiting = creationsWaiting;
    this.#maxWaitMs = maxWaitMs;
  }

  /** Starts an engine (`start` resolves once it answers or fails) when its turn comes. */
  async run<T>(start: () => Promise<T>): Promise<T> {
    await new Promise<void>((go) => {
      this.#queue.push({ since: Date.now(), go });
      this.wake();
    });
    try {
      return await start();
    } finally {
      this.#running--;
      this.wake();
    }
  }

  /** Lets waiting engines start as far as the limit allows; call it when the creation gate moves. */
  wake(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0 && this.#running < this.#limit()) {
      this.#running++;
      this.#queue.shift()!.go();
    }
    const oldest = this.#queue[0];
    if (oldest) {
      // Held back by the creations: look again when the oldest has waited long enough.
      this.#timer = setTimeout(() => this.wake(), Math.max(0, oldest.since + this.#maxWaitMs - Date.now()));
      this.#timer.unref();
    }
  }

  /** Engines waiting for their turn. */
  get waiting(): number {
    return this.#queue.length;
  }

  #limit(): number {
    if (this.#creationsWaiting() === 0) return this.#atOnce;
    const oldest = this.#queue[0];
    return oldest && Date.now() - oldest.since >= this.#maxWaitMs ? 1 : 0;
  }
}
