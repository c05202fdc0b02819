/** The timer the helper waits on; tests pass a fake one. */
export interface RetryClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: RetryClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface RetryOptions {
  /** The wait before the second try; each further wait is `factor` times longer, up to `maxMs`. */
  firstMs: number;
  maxMs: number;
  factor?: number;
  /** Tries in all (default: until it succeeds or is cancelled). */
  tries?: number;
  /** Cancels the waiting: the helper then resolves undefined at once. */
  signal?: AbortSignal;
  clock?: RetryClock;
}

/** The wait after the `n`th failed try (0-based). */
export function backoffMs(n: number, o: Pick<RetryOptions, 'firstMs' | 'maxMs' | 'factor'>): number {
  return Math.min(o.maxMs, o.firstMs * (o.factor ?? 2) ** n);
}

/**
 * Calls `attempt` until it gives a value (not undefined), waiting longer after each miss. Resolves
 * undefined when the tries run out or the signal is aborted; an attempt that throws stops it (the
 * caller decides which failures are worth another try by returning undefined for them).
 */
export async function retry<T>(attempt: (n: number) => Promise<T | undefined>, o: RetryOptions): Promise<T | undefined> {
  const clock = o.clock ?? realClock;
  for (let n = 0; o.tries === undefined || n < o.tries; n++) {
    if (o.signal?.aborted) return undefined;
    const value = await attempt(n);
    if (value !== undefined) return value;
    if (o.tries !== undefined && n + 1 >= o.tries) return undefined;
    const waited = await new Promise<boolean>((resolve) => {
      if (o.signal?.aborted) return resolve(false);
      const onAbort = () => {
        clock.clearTimeout(handle);
        resolve(false);
      };
      const handle = clock.setTimeout(
        () => {
          o.signal?.removeEventListener('abort', onAbort);
          resolve(true);
        },
        backoffMs(n, o),
      );
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (!waited) return undefined;
  }
  return undefined;
}
