/** The workshop's HTTP API from the attendee's page (same origin, cookie auth). */
import type { CheckResult, Progress, WorkshopMe } from '../../../server/protocol.ts';
import { forgetSession, sendToApi, sessionId } from '../session-client.ts';

export type { CheckResult, Progress, WorkshopMe } from '../../../server/protocol.ts';

/** A refused workshop call, with the server's sentence when it gave one. */
export class WorkshopError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function workshopCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await sendToApi(method, path, body);
  const text = await res.text();
  let data: unknown = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    // Not the notes API (a static host's 404 page): the status says enough.
  }
  if (!res.ok) throw new WorkshopError(res.status, (data as { error?: string }).error ?? `The server answered ${res.status}.`);
  return data as T;
}

/** Who we are in the workshop, or undefined when the server has no workshop features (404) or no server answers. */
export async function workshopMe(): Promise<WorkshopMe | undefined> {
  try {
    return await workshopCall<WorkshopMe>('GET', '/api/workshop/me');
  } catch {
    return undefined;
  }
}

export const getProgress = () => workshopCall<Progress>('GET', '/api/progress');
export const setHelp = (help: boolean) => workshopCall<unknown>('POST', '/api/workshop/help', { help });
export const askMoreTime = () => workshopCall<unknown>('POST', '/api/workshop/more-time');

/** Calls a session route; a session the server no longer has (404) is made again once. */
async function inSession<T>(fn: (id: string) => Promise<T>): Promise<T> {
  try {
    return await fn(await sessionId());
  } catch (err) {
    if (!(err instanceof WorkshopError) || err.status !== 404) throw err;
    forgetSession();
    return fn(await sessionId());
  }
}

export const runCheck = (page: string, check: string) =>
  inSession((id) => workshopCall<CheckResult>('POST', `/api/sessions/${id}/checks`, { page, check }));
export const startCatchUp = (page: string) => inSession((id) => workshopCall<{ id: string }>('POST', `/api/sessions/${id}/catch-up`, { page }));

/** The page's slug as the workshop names it: its path without slashes, `index` for the home page. */
export function pageSlug(pathname = location.pathname): string {
  return pathname.replace(/^\/+|\/+$/g, '') || 'index';
}
