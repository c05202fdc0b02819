/** A sliding-window limit on failed logins per client: e.g. 2 a minute and 12 an hour. */
export class LoginLimiter {
  readonly #windows: Array<{ ms: number; max: number }>;
  readonly #failures = new Map<string, number[]>();

  constructor(windows: Array<{ ms: number; max: number }> = [{ ms: 60_000, max: 2 }, { ms: 3_600_000, max: 12 }]) {
    this.#windows = windows;
  }

  /** Milliseconds until the client may try again (0: now). */
  retryAfter(client: string, now = Date.now()): number {
    const times = this.#failures.get(client) ?? [];
    let wait = 0;
    for (const w of this.#windows) {
      const recent = times.filter((t) => now - t < w.ms);
      if (recent.length >= w.max) wait = Math.max(wait, recent[recent.length - w.max]! + w.ms - now);
    }
    return wait;
  }

  fail(client: string, now = Date.now()): void {
    const longest = Math.max(...this.#windows.map((w) => w.ms));
    const times = (this.#failures.get(client) ?? []).filter((t) => now - t < longest);
    times.push(now);
    this.#failures.set(client, times);
  }

  succeed(client: string): void {
    this.#failures.delete(client);
  }
}
