import type { Request, Response } from 'express';
import { LimitReachedError } from '../domain-errors.ts';
import { OpenCounts } from '../open-counts.ts';

/** A comment line every so often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 25_000;
/** Streams one login (its tabs) may have open at once, over all keys. */
export const MAX_STREAMS_PER_LOGIN = 16;
/**
 * Unsent bytes above which a listener's stream is cut: it does not read (a stalled tab, a client that
 * never reads), and its EventSource, reconnecting, starts again from the current state.
 */
export const SSE_BUFFER_MAX = 1024 * 1024;

/**
 * Server-Sent Events to a set of listeners, grouped by a key (a user name, or one key for the
 * instructors): the page opens an EventSource and the server pushes, so nothing polls.
 */
export class SseFeed {
  readonly #listeners = new Map<string, Set<Response>>();
  /** Open streams per login (principal key): counted by who opened them, not by the name they follow. */
  readonly #perLogin = new OpenCounts();

  /**
   * Turns the request into an event stream for `key` until the client leaves. `login` (its principal
   * key) is who opened it: names are typed at login, so a cap per name would let one login shut
   * another of the same name out of its events.
   */
  open(key: string, login: string, req: Request, res: Response, first?: { event: string; data: unknown }): void {
    const open = this.#perLogin.of(login);
    if (open >= MAX_STREAMS_PER_LOGIN) {
      throw new LimitReachedError(`${open} event streams are open for you already, the most there may be. Close a tab first.`);
    }
    const giveBack = this.#perLogin.add(login);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    if (first) write(res, first.event, first.data);
    let set = this.#listeners.get(key);
    if (!set) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    set.add(res);
    const keepAlive = setInterval(() => (res.writableLength > SSE_BUFFER_MAX ? res.destroy() : res.write(': keep-alive\n\n')), KEEP_ALIVE_MS);
    keepAlive.unref();
    req.on('close', () => {
      clearInterval(keepAlive);
      giveBack();
      set.delete(res);
      if (set.size === 0 && this.#listeners.get(key) === set) this.#listeners.delete(key);
    });
  }

  send(key: string, event: string, data: unknown): void {
    for (const res of this.#listeners.get(key) ?? []) write(res, event, data);
  }

  sendAll(event: string, data: unknown): void {
    for (const key of this.#listeners.keys()) this.send(key, event, data);
  }

  /** Whether anybody listens under `key`. */
  has(key: string): boolean {
    return (this.#listeners.get(key)?.size ?? 0) > 0;
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const set of this.#listeners.values()) for (const res of set) res.end();
    this.#listeners.clear();
  }
}

function write(res: Response, event: string, data: unknown): void {
  if (res.writableLength > SSE_BUFFER_MAX) return void res.destroy();
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
