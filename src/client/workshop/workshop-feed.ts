import { signedOut } from '../session-client.ts';

type Listener = (e: MessageEvent<string>) => void;

/**
 * The attendee's event feed (GET /api/workshop/events). EventSource would retry by itself after a
 * lost connection, also once this browser is signed out (a new server, a logout): each retry one
 * more refused call. So the feed reconnects itself, and only while the page is not signed out;
 * signing in again (`rdn:auth`) reconnects it.
 */
export function workshopFeed(url = '/api/workshop/events'): { on(event: string, fn: Listener): void } {
  const listeners: Array<[string, Listener]> = [];
  let source: EventSource | undefined;
  let retry: number | undefined;
  const open = () => {
    retry = undefined;
    if (signedOut() || source) return;
    const es = new EventSource(url, { withCredentials: true });
    for (const [event, fn] of listeners) es.addEventListener(event, fn as EventListener);
    es.addEventListener('error', () => {
      es.close();
      if (source === es) source = undefined;
      if (retry === undefined) retry = window.setTimeout(open, 3000);
    });
    source = es;
  };
  document.addEventListener('rdn:auth', (e) => {
    if ((e as CustomEvent<{ signedOut: boolean }>).detail.signedOut) {
      source?.close();
      source = undefined;
    } else open();
  });
  queueMicrotask(open);
  return {
    on(event, fn) {
      listeners.push([event, fn]);
      source?.addEventListener(event, fn as EventListener);
    },
  };
}
