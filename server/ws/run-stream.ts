import type { RawData, WebSocket } from 'ws';
import { CLOSE, parseClientMessage, type ServerMessage } from '../protocol.ts';
import type { Run } from '../runs/run.ts';

function send(ws: WebSocket, message: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/**
 * WebSocket /api/runs/:id/stream?since=<offset>: replays the run's transcript from `since`, then
 * follows it live, forwarding stdin and resizes; ends with an exit (or error) frame.
 */
export function streamRun(ws: WebSocket, run: Run, since: number): void {
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
    else if (run.status === 'failed') onMessage({ type: 'error', message: run.error ?? 'The run failed.', ended: true });
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
