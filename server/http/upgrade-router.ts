import type http from 'node:http';
import { WebSocketServer } from 'ws';
import { MAX_CLIENT_FRAME_BYTES } from '../protocol.ts';
import { principalKey, type Principal, type RequestGuard } from '../security/request-guard.ts';
import type { Run } from '../runs/run.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import { streamRun } from '../ws/run-stream.ts';
import { StreamCaps } from '../ws/stream-caps.ts';
import { streamSessionEvents } from '../ws/session-events.ts';
import { errorAnswer } from './http-error.ts';
import type { PortProxy } from './port-proxy.ts';
import { refuseUpgrade } from './refuse-upgrade.ts';
import { requestUrl } from './resolved-path.ts';

const RUN_STREAM = /^\/api\/runs\/([A-Za-z0-9-]{1,64})\/stream$/;
const SESSION_EVENTS = /^\/api\/sessions\/([A-Za-z0-9-]{1,64})\/events$/;

export interface UpgradeDeps {
  guard: RequestGuard;
  store: SessionStore;
  ports: PortProxy;
  /** Workshop mode: an instructor's view of an attendee's run (read-only unless they ask for help). */
  shoulder?: ((runId: string, principal: Principal) => { run: Run; canType: () => boolean } | undefined) | undefined;
  log: (line: string) => void;
}

/**
 * Every WebSocket upgrade passes the guard (Host, Origin, token) first, then goes to its route:
 * a run's stream, a session's events, or a published port of a sandbox (proxied as is).
 */
export function attachUpgrades(server: http.Server, deps: UpgradeDeps): { close(): void } {
  const { guard, store, ports, shoulder, log } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false });
  const caps = new StreamCaps();

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    const checked = guard.check(req, true);
    if (!checked.ok) return refuseUpgrade(socket, checked.status, checked.message);
    // Never thrown: a path that is no URL (`//[`) thrown out of this event would end the process.
    const url = requestUrl(req.url ?? '/');
    if (url === undefined) return refuseUpgrade(socket, 400, 'That path is not a valid URL.');
    try {
      if (ports.matches(url.pathname)) return ports.upgrade(req, socket, head, checked.principal);
      const run = RUN_STREAM.exec(url.pathname);
      if (run) {
        const view = shoulder?.(run[1]!, checked.principal);
        const found = view?.run ?? store.run(run[1]!, checked.principal);
        const sinceText = url.searchParams.get('since') ?? '0';
        if (!/^\d{1,15}$/.test(sinceText)) return refuseUpgrade(socket, 400, '`since` must be a byte offset (a whole number).');
        const acks = url.searchParams.get('ack') === '1';
        // The place is given back when the socket closes, whether or not the handshake completed.
        socket.once('close', caps.take(found.id, principalKey(checked.principal)));
        return wss.handleUpgrade(req, socket, head, (ws) => streamRun(ws, found, Number(sinceText), acks, { canType: view?.canType, log }));
      }
      const events = SESSION_EVENTS.exec(url.pathname);
      if (events) {
        const session = store.get(events[1]!, checked.principal);
        socket.once('close', caps.takeFeed(session.id));
        return wss.handleUpgrade(req, socket, head, (ws) => streamSessionEvents(ws, session));
      }
      refuseUpgrade(socket, 404, 'No WebSocket here. Runs stream at /api/runs/<id>/stream.');
    } catch (err) {
      const { status, body } = errorAnswer(err, log, `WebSocket upgrade error for ${url.pathname}`);
      refuseUpgrade(socket, status, body.error);
    }
  });

  return {
    // ws does not close its clients on close(), and upgraded sockets outlive server.close().
    close: () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      ports.close();
    },
  };
}
