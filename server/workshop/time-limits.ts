import type { WorkshopDb } from './workshop-db.ts';

/** setTimeout's longest wait; a later end time is re-armed when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Each attendee's end time, kept in the store, with one timer per attendee that ends their session
 * when it comes. Moving the end time (extend, a new time limit) moves the timer.
 */
export class TimeLimits {
  readonly #db: WorkshopDb;
  readonly #onTimeUp: (user: string) => void;
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(db: WorkshopDb, onTimeUp: (user: string) => void) {
    this.#db = db;
    this.#onTimeUp = onTimeUp;
  }

  set(user: string, endsAt: number | null): void {
    this.#db.setEndsAt(user, endsAt);
    this.#arm(user, endsAt);
  }

  /** Arms a timer for every end time still ahead (at start-up: the store outlived the process). */
  rearm(now = Date.now()): void {
    for (const u of this.#db.users('attendee')) if (u.endsAt !== null && u.endsAt > now) this.#arm(u.user, u.endsAt);
  }

  close(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }

  #arm(user: string, endsAt: number | null): void {
    clearTimeout(this.#timers.get(user));
    this.#timers.delete(user);
    if (endsAt === null) return;
    const wait = endsAt - Date.now();
    const timer = setTimeout(
      () => {
        this.#timers.delete(user);
        // Still the end time in the store (not moved meanwhile), and come: time is up.
        const current = this.#db.user(user)?.endsAt ?? null;
        if (current === null) return;
        if (current > Date.now()) return this.#arm(user, current);
        this.#onTimeUp(user);
      },
      Math.max(0, Math.min(wait, MAX_TIMER_MS)),
    );
    timer.unref();
    this.#timers.set(user, timer);
  }
}
