/** Talks to the notes server's HTTP API for the page (same origin, cookie auth). */
import { sessionEventsPath, type RunInfo } from '../../server/protocol.ts';
import { fetchRetrying } from './fetch-retrying.ts';

/** An API failure, with a sentence for the reader. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** What a refused call tells the reader; the header says how to sign in again (a token link or a login page). */
export const SIGNED_OUT = 'Signed out: sign in again as the top of the page says, then run this block again.';

/**
 * Whether the server last said this browser is signed out (401). Kept on the document, not in
 * this module, because the header's script and the page's script may each bundle their own copy.
 */
export function signedOut(): boolean {
  return document.body.dataset.signedOut === 'true';
}

/** Records what the server said about the sign-in and tells the page (`rdn:auth`) when it changes. */
function setSignedOut(value: boolean): void {
  if (signedOut() === value) return;
  if (value) document.body.dataset.signedOut = 'true';
  else delete document.body.dataset.signedOut;
  document.dispatchEvent(new CustomEvent('rdn:auth', { detail: { signedOut: value } }));
}

/**
 * One request of the notes API from the page: same origin, the cookie, a JSON body when there is one.
 * Sent again when the network drops it, but not once another call found the page signed out (it would
 * be refused). Rejects only when no answer came at all.
 */
export function sendToApi(method: string, path: string, body?: unknown): Promise<Response> {
  return fetchRetrying(
    path,
    {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    },
    { keepTrying: () => !signedOut() },
  );
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await sendToApi(method, path, body);
  } catch {
    throw new ApiError(0, 'The notes server is not reachable. Start it with `npm start` and reload.');
  }
  const text = await res.text();
  let data = {} as T & { error?: string };
  try {
    data = text ? (JSON.parse(text) as T & { error?: string }) : data;
  } catch {
    throw new ApiError(res.status, `The server answered ${res.status} with something that is not the notes API.`);
  }
  setSignedOut(res.status === 401);
  if (!res.ok) {
    if (res.status === 401) throw new ApiError(401, SIGNED_OUT);
    throw new ApiError(res.status, data.error ?? `The server answered ${res.status}.`);
  }
  return data;
}

let session: Promise<string> | undefined;

/** Told the reader's place in the queue while all sessions are in use (undefined once admitted). */
export const queueWatchers = new Set<(position: number | undefined) => void>();

async function admitted(): Promise<string> {
  for (;;) {
    const r = await call<{ id?: string; queued?: boolean; position?: number }>('POST', '/api/sessions');
    if (r.id) {
      for (const w of queueWatchers) w(undefined);
      return r.id;
    }
    for (const w of queueWatchers) w(r.position);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

/** The browser's session id (the server keeps one per browser cookie), made on first use; waits in the queue when full. */
export function sessionId(): Promise<string> {
  session ??= admitted();
  session.catch(() => (session = undefined));
  return session;
}

/** The browser's session if it already has one (a reload), without making one. */
export async function existingSession(): Promise<string | undefined> {
  const id = (await call<{ id: string | null }>('GET', '/api/sessions/current')).id;
  if (!id) return undefined;
  session = Promise.resolve(id);
  return id;
}

/**
 * Asks the server whether this browser is still signed in: true or false, or undefined when the
 * server does not answer. A WebSocket refused with 401 only shows as a closed socket; this says why.
 */
export async function checkSignedIn(): Promise<boolean | undefined> {
  try {
    await call('GET', '/api/sessions/current');
    return true;
  } catch (err) {
    return err instanceof ApiError && err.status === 401 ? false : undefined;
  }
}

/**
 * How a reader signs in again. The health report does not say, so ask /login: it is a page only
 * with password login; behind a signing-in proxy it is refused too, and in token mode it is not there.
 */
export async function signInMode(): Promise<'token' | 'password' | 'proxy'> {
  try {
    const res = await fetchRetrying('/login', { credentials: 'same-origin', redirect: 'manual' });
    if (res.ok) return 'password';
    return res.status === 401 ? 'proxy' : 'token';
  } catch {
    return 'token';
  }
}

/** Forgets the cached session (after the server said it is gone). */
export function forgetSession(): void {
  session = undefined;
}

/** Calls a session route, making a new session once if the old one is gone (a 404: the page's and the workshop's calls). */
export async function withSession<T>(fn: (id: string) => Promise<T>): Promise<T> {
  try {
    return await fn(await sessionId());
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    forgetSession();
    return fn(await sessionId());
  }
}

export interface StartOptions {
  cols: number;
  rows: number;
  block?: string | undefined;
  timeoutMs?: number | undefined;
}

// One id per click, sent with every try of its request: a try whose answer the network lost after the
// server started the run gets that run back, rather than the command run twice.
export function startRun(command: string, o: StartOptions): Promise<string> {
  const requestId = crypto.randomUUID();
  return withSession(async (id) => (await call<{ id: string }>('POST', `/api/sessions/${id}/runs`, { command, ...o, requestId })).id);
}

export function startTerminal(cols: number, rows: number): Promise<string> {
  const requestId = crypto.randomUUID();
  return withSession(async (id) => (await call<{ id: string }>('POST', `/api/sessions/${id}/terminal`, { cols, rows, requestId })).id);
}

export function writeFile(path: string, content: string): Promise<{ path: string }> {
  return withSession((id) => call<{ path: string }>('PUT', `/api/sessions/${id}/files`, { path, content }));
}

export function listRuns(id: string): Promise<RunInfo[]> {
  return call<RunInfo[]>('GET', `/api/sessions/${id}/runs`);
}

export function stopRun(runId: string): Promise<unknown> {
  return call('POST', `/api/runs/${runId}/stop`);
}

/** Removes the session and its sandbox; the next Run starts a clean one. */
export async function restartSession(): Promise<void> {
  const id = await existingSession();
  if (id) await call('DELETE', `/api/sessions/${id}`).catch(() => undefined);
  forgetSession();
}

/** The absolute ws(s) URL of a path on this page's server. */
export function wsUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}

/** The WebSocket URL of the session panel's feed. */
export function sessionEventsUrl(id: string): string {
  return wsUrl(sessionEventsPath(id));
}
