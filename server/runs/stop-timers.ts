/** What the timers need of their run: whether it ended, and its Stop. */
interface StoppableRun {
  readonly finished: boolean;
  stop(): Promise<unknown>;
}

/**
 * The two times after which a run is stopped: its run timeout, once it runs, and the detached grace,
 * once nobody watches it (the watchers are counted here).
 */
export class StopTimers {
  readonly #timeoutMs: number;
  readonly #graceMs: number;
  readonly #run: StoppableRun;
  #watchers = 0;
  #detachTimer: NodeJS.Timeout | undefined;
  #timeoutTimer: NodeJS.Timeout | undefined;

  /** `timeoutMs`: 0 for none. The detached grace starts at once: nobody has attached to a new run yet. */
  constructor(run: StoppableRun, timeoutMs: number, graceMs: number) {
    this.#run = run;
    this.#timeoutMs = timeoutMs;
    this.#graceMs = graceMs;
    this.#armDetachTimer();
  }

  /** The run started running: `onTimeout` is called once its run timeout has passed. */
  startTimeout(onTimeout: () => void): void {
    if (this.#timeoutMs <= 0) return;
    this.#timeoutTimer = setTimeout(onTimeout, this.#timeoutMs);
    this.#timeoutTimer.unref();
  }

  /** A client started watching. */
  attach(): void {
    this.#watchers++;
    clearTimeout(this.#detachTimer);
  }

  /** A client stopped watching; the grace starts once none is left. */
  detach(): void {
    this.#watchers = Math.max(0, this.#watchers - 1);
    if (this.#watchers === 0) this.#armDetachTimer();
  }

  /** The run ended: nothing is left to stop. */
  cancel(): void {
    clearTimeout(this.#detachTimer);
    clearTimeout(this.#timeoutTimer);
  }

  #armDetachTimer(): void {
    clearTimeout(this.#detachTimer);
    if (this.#run.finished) return;
    this.#detachTimer = setTimeout(() => void this.#run.stop(), this.#graceMs);
    this.#detachTimer.unref();
  }
}
