import type { RawData, WebSocket } from 'ws';
import { reason } from '../logger.ts';
import { CLOSE } from '../protocol.ts';

/**
 * Listens to a client's frames. A handler that throws (a defect, reached by a frame nobody expected)
 * ends that one socket with 1011, never the server: the frame is the client's to write, and an
 * exception escaping a socket's event would take every session down with it.
 */
export function onClientFrames(ws: WebSocket, handle: (raw: RawData, isBinary: boolean) => void, log: (line: string) => void): void {
  ws.on('message', (raw: RawData, isBinary: boolean) => {
    try {
      handle(raw, isBinary);
    } catch (err) {
      log(`A WebSocket frame could not be handled, so its socket was closed: ${reason(err)}`);
      ws.close(CLOSE.internalError, 'the server could not handle that frame');
    }
  });
}
