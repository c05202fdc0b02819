import WebSocket from 'ws';
import type { StreamTransport } from '../../src/client/run-stream-client.ts';

/**
 * The stream client's transport for scripts: the `ws` package, which sends headers (a Bearer
 * token) and shows a refused upgrade's status, where a browser shows only a closed socket.
 */
export function wsTransport(headers: Record<string, string>): StreamTransport {
  return (url, on) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => on.open());
    // Binary frames come as Buffers, a Uint8Array already: no copy, however much flows.
    ws.on('message', (data: Buffer, binary) => on.message(binary ? data : data.toString()));
    ws.on('unexpected-response', (req, res) => {
      on.close(1006, `upgrade refused with ${res.statusCode}`);
      req.destroy();
    });
    ws.on('close', (code) => on.close(code));
    ws.on('error', () => undefined);
    return {
      get open() {
        return ws.readyState === WebSocket.OPEN;
      },
      send: (data) => ws.send(data),
      close: () => ws.close(),
    };
  };
}
