import type { WebSocket } from 'ws';
import { CLOSE, type Inventory, type SessionMessage } from '../protocol.ts';
import type { Session } from '../sessions/session.ts';

function send(ws: WebSocket, m: SessionMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
}

/**
 * WebSocket /api/sessions/:id/events: the session panel's feed. Sends the inventory of the
 * session's engine now and after every change, or says that there is no sandbox yet. The session
 * reads its engine only while such a feed is open (Session.watch). Watching is
 * not activity: an open tab does not keep an unused session (and its sandbox) from being reaped.
 */
export function streamSessionEvents(ws: WebSocket, session: Session): void {
  const onInventory = (inventory: Inventory) => send(ws, { type: 'inventory', inventory });
  const current = session.inventory;
  if (current) onInventory(current);
  // A sandbox is handed out before its engine answers; the inventory follows once it does.
  else if (session.currentSandbox)
    send(ws, { type: 'no-sandbox', message: "Reading your sandbox's Docker engine: its containers show here once it answers." });
  else send(ws, { type: 'no-sandbox', message: 'No sandbox yet: run a block and its containers show here.' });
  session.on('inventory', onInventory);
  const unwatch = session.watch();
  const onClosed = () => ws.close(CLOSE.sessionClosed, 'session closed');
  session.once('closed', onClosed);
  ws.on('message', () => send(ws, { type: 'error', message: 'This feed takes no messages.' }));
  ws.on('error', () => undefined);
  ws.on('close', () => {
    unwatch();
    session.off('inventory', onInventory);
    session.off('closed', onClosed);
  });
}
