import type { RawData, WebSocket } from 'ws';
import { CLOSE, FLOW, parseClientMessage, type ServerMessage } from '../protocol.ts';
import { STDIN_HIGH, type Run } from '../runs/run.ts';

/** How long one watcher may hold a run's output before it is dropped. */
const HOLD_MAX_MS = 10_000;

function send(ws: WebSocket, message: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/**
 * WebSocket /api/runs/:id/stream?since=<offset>[&ack=1]: replays the run's transcript from
 * `since`, then follows it live, forwarding stdin and resizes; ends with an exit (or error) frame.
 * Flow control: above FLOW.high bytes not yet acknowledged (ack=1) or not yet sent (socket
 * buffer), the run's output is paused until this watcher is below FLOW.low again.
 */
export function streamRun(ws: WebSocket, run: Run, since: number, acks: boolean): void {
  run.attach();
  const holder = {};
  let sent = 0;
  let acked = 0;
  let held = false;
  let drainTimer: NodeJS.Timeout | undefined;
  let holdTimer: NodeJS.Timeout | undefined;
  const backlog = () => (acks ? sent - acked : ws.bufferedAmount);
  const check = () => {
    if (!held && backlog() > FLOW.high) {
      held = true;
      run.hold(holder);
      // One reader that stays behind must not freeze the command for everyone: drop it; it can
      // reconnect with `since` and read the rest from the transcript.
      // Dropped at once: release the hold now, and cut the socket rather than wait for a close
      // handshake that a reader which does not read would never answer.
      holdTimer = setTimeout(() => {
        held = false;
        clearInterval(drainTimer);
        run.release(holder);
        // The close code goes out when the socket still takes writes; the cut follows regardless.
        ws.close(CLOSE.tooSlow, 'reader too slow; reconnect with since');
        ws.terminate();
      }, HOLD_MAX_MS);
      // Without acks, watch the socket's own buffer drain.
      if (!acks) drainTimer = setInterval(check, 10);
    } else if (held && backlog() < FLOW.low) {
      held = false;
      clearInterval(drainTimer);
      clearTimeout(holdTimer);
      run.release(holder);
    }
  };
  const sendBytes = (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(chunk, { binary: true });
    sent += chunk.length;
    check();
  };

  // Replay and subscribe in the same tick: no byte can fall between the two.
  const { offset, data } = run.transcript.readFrom(since);
  send(ws, { type: 'hello', offset, status: run.status, dropped: run.transcript.dropped });
  if (run.status === 'starting' && run.phase) send(ws, { type: 'phase', ...run.phase });
  if (data.length) sendBytes(data);

  const onOutput = (_offset: number, chunk: Buffer) => sendBytes(chunk);
  const onMessage = (m: ServerMessage) => {
    send(ws, m);
    if (m.type === 'exit') ws.close(CLOSE.normal, 'run ended');
    if (m.type === 'error' && run.finished) ws.close(CLOSE.runFailed, 'run failed');
  };
  if (run.finished) {
    if (run.status === 'exited') onMessage({ type: 'exit', exitCode: run.exitCode!, durationMs: run.durationMs! });
    else onMessage({ type: 'error', message: run.error ?? 'The run failed.', ended: true });
  } else {
    run.on('output', onOutput);
    run.on('message', onMessage);
  }

  // Stdin backpressure: above STDIN_HIGH bytes not yet taken by the command, stop reading this
  // socket (TCP then pushes back on the client) until the exec's input drains.
  let cancelInputWait: (() => void) | undefined;
  const limitInput = () => {
    if (cancelInputWait || run.inputBacklog <= STDIN_HIGH) return;
    ws.pause();
    cancelInputWait = run.whenInputDrains(() => {
      cancelInputWait = undefined;
      ws.resume();
    });
  };

  ws.on('message', (raw: RawData, isBinary: boolean) => {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
    if (isBinary) {
      if (!run.write(buf)) {
        send(ws, { type: 'error', message: run.finished ? 'This run has ended; it takes no more input.' : 'Too much input typed ahead of the start; it was dropped.' });
      }
      return limitInput();
    }
    const parsed = parseClientMessage(buf.toString('utf8'));
    if (!parsed.ok) return send(ws, { type: 'error', message: parsed.error });
    if (parsed.message.type === 'resize') run.resize(parsed.message.cols, parsed.message.rows);
    else {
      acked = Math.min(sent, Math.max(acked, parsed.message.bytes));
      check();
    }
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    cancelInputWait?.();
    clearInterval(drainTimer);
    clearTimeout(holdTimer);
    run.off('output', onOutput);
    run.off('message', onMessage);
    run.release(holder);
    run.detach();
  });
}
