/** How long one look at the engine answers /api/health. */
export const HEALTH_TTL_MS = 2000;

/**
 * The health report is public (anyone may ask, as often as they like) and each report costs engine
 * calls: keep the latest for a moment, and let every caller that asks meanwhile wait for the one
 * look in flight instead of starting another. So the engine sees at most one look per TTL.
 */
export class HealthCache<T> {
  readonly #load: () => Promise<T>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #pending: Promise<T> | undefined;
  #latest: { value: T; at: number } | undefined;

  constructor(load: () => Promise<T>, ttlMs = HEALTH_TTL_MS, now: () => number = Date.now) {
    this.#load = load;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get(): Promise<T> {
    if (this.#latest && this.#now() - this.#latest.at < this.#ttlMs) return Promise.resolve(this.#latest.value);
    this.#pending ??= this.#load().then(
      (value) => {
        this.#latest = { value, at: this.#now() };
        this.#pending = undefined;
        return value;
      },
      (err: unknown) => {
        this.#pending = undefined;
        throw err;
      },
    );
    return this.#pending;
  }
}
