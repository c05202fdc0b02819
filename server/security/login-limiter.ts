type Window = { ms: number; max: number };

/** The key under which failures of all clients together are counted. */
const EVERYONE = '\0everyone';

/**
 * A sliding-window limit on failed logins: per client (e.g. 3 a minute and 12 an hour) and for all
 * clients together (e.g. 20 a minute and 100 an hour), so that rotating through addresses does not
 * buy more guesses. The global budget can be spent by an attacker and then locks everyone out for
 * a while: an outage, not a way in.
 */
export class LoginLimiter {
  readonly #perClient: Window[];
  readonly #global: Window[];
  readonly #failures = new Map<string, number[]>();

  constructor(
    perClient: Window[] = [
      { ms: 60_000, max: 3 },
      { ms: 3_600_000, max: 12 },
    ],
    global: Window[] = [
      { ms: 60_000, max: 20 },
      { ms: 3_600_000, max: 100 },
    ],
  ) {
    this.#perClient = perClient;
    this.#global = global;
  }

  /** Milliseconds until the client may try again (0: now), and whose budget is spent. */
  check(client: string, now = Date.now()): { wait: number; everyone: boolean } {
    const own = this.#wait(client, this.#perClient, now);
    const all = this.#wait(EVERYONE, this.#global, now);
    return { wait: Math.max(own, all), everyone: all > own };
  }

  /** Milliseconds until the client may try again (0: now). */
  retryAfter(client: string, now = Date.now()): number {
    return this.check(client, now).wait;
  }

  /** Counts a try as failed (before it is checked, so parallel tries cannot slip past); returns it, for `succeed`. */
  fail(client: string, now = Date.now()): number {
    this.#add(client, this.#perClient, now);
    this.#add(EVERYONE, this.#global, now);
    return now;
  }

  /**
   * The try counted at `at` was right: give back that one failure, for the client and globally. Only
   * that one: a right password of one kind (the attendees') must not wipe the wrong guesses before it
   * (at the instructor's), or alternating the two would make guessing unlimited.
   */
  succeed(client: string, at: number): void {
    for (const key of [client, EVERYONE]) {
      const times = this.#failures.get(key);
      const i = times?.lastIndexOf(at) ?? -1;
      if (i >= 0) times!.splice(i, 1);
    }
  }

  #wait(key: string, windows: Window[], now: number): number {
    const times = this.#failures.get(key) ?? [];
    let wait = 0;
    for (const w of windows) {
      const recent = times.filter((t) => now - t < w.ms);
      if (recent.length >= w.max) wait = Math.max(wait, recent[recent.length - w.max]! + w.ms - now);
    }
    return wait;
  }

  #add(key: string, windows: Window[], now: number): void {
    const longest = Math.max(...windows.map((w) => w.ms));
    const times = (this.#failures.get(key) ?? []).filter((t) => now - t < longest);
    times.push(now);
    this.#failures.set(key, times);
    // Forget clients whose failures have all aged out, so the map does not grow without bound.
    if (this.#failures.size > 10_000) {
      for (const [k, v] of this.#failures) if (v.every((t) => now - t >= longest)) this.#failures.delete(k);
    }
  }
}
