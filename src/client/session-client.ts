/** Talks to the notes server's HTTP API for the page (same origin, cookie auth). */

/** An API failure, with a sentence for the reader. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The notes server is not reachable. Start it with `npm start` and reload.');
  }
  const text = await res.text();
  const data = text ? (JSON.parse(text) as T & { error?: string }) : ({} as T & { error?: string });
  if (!res.ok) {
    if (res.status === 401) throw new ApiError(401, 'Not signed in: open the link `npm start` printed (it ends in ?token=…).');
    throw new ApiError(res.status, data.error ?? `The server answered ${res.status}.`);
  }
  return data;
}

let session: Promise<string> | undefined;

/** The browser's session id (the server keeps one per browser cookie). */
export function sessionId(): Promise<string> {
  session ??= call<{ id: string }>('POST', '/api/sessions').then((r) => r.id);
  session.catch(() => (session = undefined));
  return session;
}

/** Forgets the cached session (after the server said it is gone). */
export function forgetSession(): void {
  session = undefined;
}

export async function startRun(command: string, cols: number, rows: number): Promise<string> {
  const id = await sessionId();
  try {
    return (await call<{ id: string }>('POST', `/api/sessions/${id}/runs`, { command, cols, rows })).id;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      forgetSession();
      const fresh = await sessionId();
      return (await call<{ id: string }>('POST', `/api/sessions/${fresh}/runs`, { command, cols, rows })).id;
    }
    throw err;
  }
}

export function stopRun(runId: string): Promise<unknown> {
  return call('POST', `/api/runs/${runId}/stop`);
}

/** The WebSocket URL of a run's stream, resuming after `since` bytes. */
export function streamUrl(runId: string, since: number): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/runs/${runId}/stream?since=${since}`;
}
