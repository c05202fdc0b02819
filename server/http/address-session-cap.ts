import type { Session } from '../sessions/session.ts';
import { LimitReachedError } from '../domain-errors.ts';

/**
 * Password mode: a login is not a person (anyone can sign in again and get a fresh browser id), so
 * the sessions of all logins from one client address (its key: IPv4 address or IPv6 /64, the
 * forwarded one behind a trusted proxy) are counted together and capped.
 */
export class AddressSessionCap {
  readonly #max: number;
  readonly #held = new Map<string, Set<string>>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Refuses (LimitReachedError, a 429) when this client address already holds the most sessions. */
  check(address: string): void {
    const n = this.#held.get(address)?.size ?? 0;
    if (n >= this.#max) {
      throw new LimitReachedError(
        `Your network address already holds ${n} sessions, the most one person may hold; signing in again does not give more. Restart or close one instead.`,
      );
    }
  }

  /** Counts a new session against the address until the session closes. */
  add(address: string, session: Session): void {
    const ids = this.#held.get(address) ?? new Set<string>();
    ids.add(session.id);
    this.#held.set(address, ids);
    session.once('closed', () => {
      ids.delete(session.id);
      if (ids.size === 0) this.#held.delete(address);
    });
  }
}
