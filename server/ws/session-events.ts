import type { WebSocket } from 'ws';
import { CLOSE, type Inventory, type SessionMessage } from '../protocol.ts';
import type { Session } from '../sessions/session.ts';

/**
 * Unsent bytes above which the feed holds a message back; a newer one then takes its place (each is
 * the whole state), so a feed that is not read costs one waiting message, whatever the engine does.
 */
export const FEED_BUFFER_MAX = 256 * 1024;
/** How long a feed may hold a message back before it is closed (the page's panel opens a new one). */
export const FEED_STALL_MAX_MS = 30_000;
const FEED_LOOK_MS = 100;

/**
 * WebSocket /api/sessions/:id/events: the session panel's feed. Sends the inventory of the
 * session's engine now and after every change, or says that there is no sandbox yet. The session
 * reads its engine only while such a feed is open (Session.watch). Watching is
 * not activity: an open tab does not keep an unused session (and its sandbox) from being reaped.
 * The inventory is written in the sandbox, by whoever runs there: how often it changes and how big
 * it is are theirs, so only the newest one waits while the socket is behind.
 */
export function streamSessionEvents(ws: WebSocket, session: Session): void {
  let waiting: SessionMessage | undefined;
  let since = 0;
  let look: NodeJS.Timeout | undefined;
  const flush = () => {
    if (ws.readyState !== ws.OPEN) return clearInterval(look);
    if (ws.bufferedAmount <= FEED_BUFFER_MAX) {
      clearInterval(look);
      look = undefined;
      const m = waiting;
      waiting = undefined;
      if (m) ws.send(JSON.stringify(m));
    } else if (Date.now() - since > FEED_STALL_MAX_MS) {
      clearInterval(look);
      ws.close(CLOSE.tooSlow, 'feed not read; reconnect');
      // Its close frame would wait behind what it does not read.
      ws.terminate();
    }
  };
  const send = (m: SessionMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    if (!look && ws.bufferedAmount <= FEED_BUFFER_MAX) return ws.send(JSON.stringify(m));
    waiting = m;
    if (!look) {
      since = Date.now();
      look = setInterval(flush, FEED_LOOK_MS);
      look.unref();
    }
  };
  const onInventory = (inventory: Inventory) => send({ type: 'inventory', inventory });
  const current = session.inventory;
  if (current) onInventory(current);
  // A sandbox is handed out before its engine answers; the inventory follows once it does.
  else if (session.currentSandbox)
    send({ type: 'no-sandbox', message: "Reading your sandbox's Docker engine: its containers show here once it answers." });
  else send({ type: 'no-sandbox', message: 'No sandbox yet: run a block and its containers show here.' });
  session.on('inventory', onInventory);
  const unwatch = session.watch();
  const onClosed = () => ws.close(CLOSE.sessionClosed, 'session closed');
  session.once('closed', onClosed);
  // An answer to the client's own frames only while it reads what it is sent.
  ws.on('message', () => {
    if (!look && ws.bufferedAmount <= FEED_BUFFER_MAX) send({ type: 'error', message: 'This feed takes no messages.' });
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    clearInterval(look);
    unwatch();
    session.off('inventory', onInventory);
    session.off('closed', onClosed);
  });
}
