import type WebSocket from 'ws';
import type { ServerMessage } from '../../server/protocol.ts';
import type { ApiClient } from './api-client.ts';

/**
 * A raw socket on a run's stream, resolved once the command runs (the `ready` phase, or output), so
 * stdin reaches the exec and not the typed-ahead buffer. Raw on purpose: the tests that use it
 * misbehave as no client would (stop reading, flood stdin).
 */
export function openRunning(api: ApiClient, runId: string, ack = false): Promise<WebSocket> {
  const ws = api.open(runId, 0, ack);
  // Listening from the start: the first frames can come with the handshake's answer.
  return new Promise((resolve, reject) => {
    ws.on('message', (data, binary) => {
      if (binary) return resolve(ws);
      const m = JSON.parse(String(data)) as ServerMessage;
      if ((m.type === 'phase' && m.phase === 'ready') || (m.type === 'hello' && m.status === 'running')) resolve(ws);
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`the stream was refused: ${res.statusCode}`)));
    ws.on('close', (code) => reject(new Error(`the stream closed with ${code} before the run was running`)));
  });
}
