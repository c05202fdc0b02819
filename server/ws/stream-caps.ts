import { LimitReachedError } from '../domain-errors.ts';
import { OpenCounts } from '../open-counts.ts';

/** Streams one run may have open at once (a page, a second tab, a script: a few each). */
export const MAX_STREAMS_PER_RUN = 8;
/** Streams one caller (a browser, a named user, the token) may have open at once, over all its runs. */
export const MAX_STREAMS_PER_CALLER = 64;
/** Events feeds (the session panel) one session may have open at once. */
export const MAX_FEEDS_PER_SESSION = 32;

/**
 * Counts the open run streams per run and per caller, and refuses one more past either cap:
 * each stream holds up to FLOW.high bytes of socket buffer and a share of the run's time, so their
 * number must not be up to the client.
 */
export class StreamCaps {
  readonly #perRun = new OpenCounts();
  readonly #perCaller = new OpenCounts();
  readonly #feeds = new OpenCounts();

  /** Takes a place for a stream (throws LimitReachedError, a 429, when there is none) and returns how to give it back, once. */
  take(runId: string, caller: string): () => void {
    const forRun = this.#perRun.of(runId);
    if (forRun >= MAX_STREAMS_PER_RUN) {
      throw new LimitReachedError(`This run already has ${forRun} streams open, the most it may have. Close one (another tab?) first.`);
    }
    const forCaller = this.#perCaller.of(caller);
    if (forCaller >= MAX_STREAMS_PER_CALLER) {
      throw new LimitReachedError(`You already have ${forCaller} run streams open, the most one caller may have. Close some first.`);
    }
    const run = this.#perRun.add(runId);
    const mine = this.#perCaller.add(caller);
    return () => {
      run();
      mine();
    };
  }

  /**
   * The same for a session's events feed (one per tab that shows the panel), counted per session: a
   * caller's sessions are capped already, and the token's one user may watch many (a bench's class).
   */
  takeFeed(sessionId: string): () => void {
    const open = this.#feeds.of(sessionId);
    if (open >= MAX_FEEDS_PER_SESSION) {
      throw new LimitReachedError(`This session's panel is open in ${open} tabs already, the most it may be. Close one first.`);
    }
    return this.#feeds.add(sessionId);
  }
}
