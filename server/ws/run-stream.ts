import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { httpStatusOf } from '../http/http-error.ts';
import { CLOSE, MAX_CLIENT_FRAME_BYTES, parseClientMessage, type ServerMessage } from '../protocol.ts';
import type { Run } from '../runs/run.ts';
import type { RequestGuard } from '../security/request-guard.ts';
import type { SessionStore } from '../sessions/session-store.ts';

const STREAM_PATH = /^\/api\/runs\/([A-Za-z0-9-]{1,64})\/stream$/;

/** Refuses an upgrade with a plain HTTP answer before any WebSocket exists. */
function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${http_reason(status)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function http_reason(status: number): string {
  return { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 421: 'Misdirected Request' }[status] ?? 'Error';
}

/**
 * Serves WebSocket /api/runs/:id/stream?since=<offset>: replays the run's transcript from `since`,
 * then follows it live, forwarding stdin and resizes; ends with an exit (or error) frame.
 */
export function attachRunStreams(server: http.Server, guard: RequestGuard, store: SessionStore): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = STREAM_PATH.exec(url.pathname);
    const checked = guard.check(req, true);
    if (!checked.ok) return refuse(socket, checked.status, checked.message);
    if (!match) return refuse(socket, 404, 'No WebSocket here. Runs stream at /api/runs/<id>/stream.');
    let run: Run;
    try {
      run = store.run(match[1]!, checked.principal);
    } catch (err) {
      return refuse(socket, httpStatusOf(err), (err as Error).message);
    }
    const sinceText = url.searchParams.get('since') ?? '0';
    if (!/^\d{1,15}$/.test(sinceText)) return refuse(socket, 400, '`since` must be a byte offset (a whole number).');
    wss.handleUpgrade(req, socket, head, (ws) => streamRun(ws, run, Number(sinceText)));
  });

  return { close: () => wss.close() };
}

function send(ws: WebSocket, message: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

function streamRun(ws: WebSocket, run: Run, since: number): void {
  run.attach();
  // Replay and subscribe in the same tick: no byte can fall between the two.
  const { offset, data } = run.transcript.readFrom(since);
  send(ws, { type: 'hello', offset, status: run.status, dropped: run.transcript.dropped });
  if (run.status === 'starting' && run.phase) send(ws, { type: 'phase', ...run.phase });
  if (data.length) ws.send(data, { binary: true });

  const onOutput = (_offset: number, chunk: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
  };
  const onMessage = (m: ServerMessage) => {
    send(ws, m);
    if (m.type === 'exit') ws.close(CLOSE.normal, 'run ended');
    if (m.type === 'error' && run.finished) ws.close(CLOSE.runFailed, 'run failed');
  };
  const finishNow = () => {
    if (run.status === 'exited') onMessage({ type: 'exit', exitCode: run.exitCode!, durationMs: run.durationMs! });
    else if (run.status === 'failed') onMessage({ type: 'error', message: run.error ?? 'The run failed.' });
  };
  if (run.finished) {
    finishNow();
  } else {
    run.on('output', onOutput);
    run.on('message', onMessage);
  }

  ws.on('message', (raw: RawData, isBinary: boolean) => {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
    if (isBinary) {
      if (!run.write(buf)) {
        send(ws, { type: 'error', message: run.finished ? 'This run has ended; it takes no more input.' : 'Too much input typed ahead of the start; it was dropped.' });
      }
      return;
    }
    const parsed = parseClientMessage(buf.toString('utf8'));
    if (!parsed.ok) return send(ws, { type: 'error', message: parsed.error });
    run.resize(parsed.message.cols, parsed.message.rows);
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    run.off('output', onOutput);
    run.off('message', onMessage);
    run.detach();
  });
}
