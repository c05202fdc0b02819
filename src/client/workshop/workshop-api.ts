/** The workshop's HTTP API from the attendee's page (same origin, cookie auth). */
import type { CheckResult, Progress, WorkshopMe } from '../../../server/protocol.ts';
import { ApiError, sendToApi, withSession } from '../session-client.ts';

export type { CheckResult, Progress, WorkshopMe } from '../../../server/protocol.ts';

export async function workshopCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await sendToApi(method, path, body);
  const text = await res.text();
  let data: unknown = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    // Not the notes API (a static host's 404 page): the status says enough.
  }
  // An ApiError like the page's other calls: withSession makes a gone session (404) again.
  if (!res.ok) throw new ApiError(res.status, (data as { error?: string }).error ?? `The server answered ${res.status}.`);
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

export const runCheck = (page: string, check: string) =>
  withSession((id) => workshopCall<CheckResult>('POST', `/api/sessions/${id}/checks`, { page, check }));
export const startCatchUp = (page: string) => withSession((id) => workshopCall<{ id: string }>('POST', `/api/sessions/${id}/catch-up`, { page }));

/** The page's slug as the workshop names it: its path without slashes, `index` for the home page. */
export function pageSlug(pathname = location.pathname): string {
  return pathname.replace(/^\/+|\/+$/g, '') || 'index';
}
