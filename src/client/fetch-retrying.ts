import { retry, type RetryClock } from './retry.ts';

/** Tries in all for one request, and the first wait; the waits grow 3× (0.3 s, then 0.9 s). */
const TRIES = 3;
const FIRST_WAIT_MS = 300;

/**
 * `fetch` that tries again when the request never got an answer (fetch rejects: the connection was
 * refused, reset or closed). A kept-alive connection that the server closes just as the page reuses it
 * fails this way although the server is up. Such a request usually never reached the server's handlers,
 * but an answer can also be lost after the server acted: a request that starts something carries an id
 * of its own (RunRequest.requestId), the same on every try. An HTTP answer of any status is returned as it is. After the last try the
 * network error is thrown, and the caller tells the reader that the server is not reachable.
 */
export async function fetchRetrying(
  input: string,
  init: RequestInit = {},
  options: { clock?: RetryClock; keepTrying?: () => boolean } = {},
): Promise<Response> {
  let lastError: unknown;
  const res = await retry(
    async (n) => {
      // What the page learnt meanwhile (signed out) may make another try pointless: the error stands.
      if (n > 0 && options.keepTrying?.() === false) throw lastError;
      try {
        return await fetch(input, init);
      } catch (err) {
        if (init.signal?.aborted) throw err;
        lastError = err;
        return undefined;
      }
    },
    { firstMs: FIRST_WAIT_MS, maxMs: 3 * FIRST_WAIT_MS, factor: 3, tries: TRIES, signal: init.signal ?? undefined, clock: options.clock },
  );
  if (res) return res;
  throw lastError ?? new TypeError('The request was cancelled.');
}
