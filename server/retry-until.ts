/** The time source of a retry: the real one by default, a test's own when it wants one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Date.now and setTimeout: vitest's fake timers replace both, so tests can fake this clock too. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Resolves with `value` after `ms`, for a race against work that may not finish; the timer does not keep
 * the process alive.
 */
export function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

export interface RetryOptions {
  /** Pause between two attempts. */
  delayMs: number;
  /** At most this many attempts (default: no count limit). */
  tries?: number;
  /** Give up once this much time has passed since the first attempt (default: no time limit). */
  timeoutMs?: number;
  clock?: Clock;
}

/**
 * Calls `attempt` until it returns a value other than `undefined` and returns that value, or
 * `undefined` once the tries or the time are used up. An attempt that throws ends the retry with
 * that error: only "not yet" is retried, never a failure the caller did not expect.
 */
export async function retryUntil<T>(attempt: () => Promise<T | undefined>, opts: RetryOptions): Promise<T | undefined> {
  const clock = opts.clock ?? realClock;
  const deadline = opts.timeoutMs === undefined ? Infinity : clock.now() + opts.timeoutMs;
  const tries = opts.tries ?? Infinity;
  for (let i = 0; i < tries; i++) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (i + 1 >= tries || clock.now() + opts.delayMs >= deadline) break;
    await clock.sleep(opts.delayMs);
  }
  return undefined;
}
