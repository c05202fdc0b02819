import type { RawData, WebSocket } from 'ws';
import { CLOSE, FLOW, parseClientMessage, type ServerMessage } from '../protocol.ts';
import type { Run } from '../runs/run.ts';
import { STDIN_HIGH } from '../runs/run-input.ts';
import { onClientFrames } from './client-frames.ts';
import { FlowControl } from './flow-control.ts';

/** How long one watcher may hold a run's output before it is dropped. */
const HOLD_MAX_MS = 10_000;

/**
 * How long the socket may stay unread while the command does not take this client's stdin. While
 * it is unread, the server cannot see the client leave (its close waits behind the unread bytes),
 * so without a bound a run nobody watches would never be detached.
 */
export const STDIN_WAIT_MAX_MS = 15_000;

const READ_ONLY = 'Read-only: this is an attendee\'s run. You can type into it once they press "Ask for help".';

/** Replayed output goes out in pieces of at most this size, each under flow control. */
const REPLAY_PIECE = 64 * 1024;

/**
 * Live output one watcher may have queued before it is dropped as too slow. The run is paused at
 * FLOW.high, so this is reached only while nothing pauses it (a Stop under way lets the rest drain):
 * the watcher then reads the rest from the transcript, as any dropped one does.
 */
export const LIVE_QUEUE_MAX = 8 * FLOW.high;

/**
 * Above this many bytes unsent on the socket, the answers to the client's own frames (an error about
 * a bad frame) are left out: a client that sends bad frames and never reads must not grow the server.
 */
const REPLY_BUFFER_MAX = FLOW.high;

function send(ws: WebSocket, message: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/** An answer to a frame of the client's, unless its socket already holds too much it has not read. */
function reply(ws: WebSocket, message: ServerMessage): void {
  if (ws.bufferedAmount <= REPLY_BUFFER_MAX) send(ws, message);
}

type Item = { bytes: Buffer; live?: true } | { message: ServerMessage };

export interface StreamRunOptions {
  /** Workshop mode: whether this watcher (an instructor) may type into the run now; without, it may. */
  canType?: (() => boolean) | undefined;
  /** Where a frame that could not be handled is reported (its socket alone is closed). */
  log?: ((line: string) => void) | undefined;
}

/**
 * WebSocket /api/runs/:id/stream?since=<offset>[&ack=1]: replays the run's transcript from
 * `since`, then follows it live, forwarding stdin and resizes; ends with an exit (or error) frame.
 * Flow control: above FLOW.high bytes not yet acknowledged (ack=1; never counted below what the
 * socket's buffer holds) or not yet sent (socket buffer), nothing more is handed to the socket (the rest waits, in order, in this watcher's
 * queue) and the run's output is paused until this watcher is below FLOW.low again. The replay
 * goes through the same queue, as views of the transcript, so a watcher that does not read costs
 * at most FLOW.high of socket buffer, however long the transcript.
 */
export function streamRun(ws: WebSocket, run: Run, since: number, acks: boolean, opts: StreamRunOptions = {}): void {
  const { canType, log = () => undefined } = opts;
  run.attach();
  const holder = {};
  const flow = new FlowControl({ acks, socketBuffered: () => ws.bufferedAmount });
  let drainTimer: NodeJS.Timeout | undefined;
  let holdTimer: NodeJS.Timeout | undefined;
  const queue: Item[] = [];
  /** Bytes of live output in the queue (the replay is views of the transcript, bounded by it). */
  let live = 0;

  /** Hands queued items to the socket while the client keeps up. */
  const pump = () => {
    while (queue.length > 0 && ws.readyState === ws.OPEN && flow.mayWrite) {
      const item = queue.shift()!;
      if ('bytes' in item) {
        if (item.live) live -= item.bytes.length;
        ws.send(item.bytes, { binary: true });
        flow.commit(item.bytes.length);
      } else {
        const m = item.message;
        send(ws, m);
        if (m.type === 'exit') ws.close(CLOSE.normal, 'run ended');
        if (m.type === 'error' && m.ended) ws.close(CLOSE.runFailed, 'run failed');
      }
    }
  };
  /** Drops this watcher: it can reconnect with `since` and read the rest from the transcript. */
  const dropTooSlow = () => {
    flow.drop();
    clearInterval(drainTimer);
    clearTimeout(holdTimer);
    run.release(holder);
    queue.length = 0;
    live = 0;
    // The close code goes out when the socket still takes writes; the cut follows regardless.
    ws.close(CLOSE.tooSlow, 'reader too slow; reconnect with since');
    ws.terminate();
  };
  const check = () => {
    pump();
    const decision = flow.decide();
    if (decision === 'pause') {
      run.hold(holder);
      // One reader that stays behind must not freeze the command for everyone: drop it; it can
      // reconnect with `since` and read the rest from the transcript.
      // Dropped at once: release the hold now, and cut the socket rather than wait for a close
      // handshake that a reader which does not read would never answer.
      holdTimer = setTimeout(dropTooSlow, HOLD_MAX_MS);
      // Watch the socket's own buffer drain (with acks too: it counts as well, see FlowControl).
      drainTimer = setInterval(check, 10);
    } else if (decision === 'resume') {
      clearInterval(drainTimer);
      clearTimeout(holdTimer);
      run.release(holder);
    }
  };
  const enqueue = (item: Item) => {
    if (ws.readyState !== ws.OPEN) return;
    queue.push(item);
    if ('bytes' in item) {
      flow.account(item.bytes.length);
      live += item.bytes.length;
      if (live > LIVE_QUEUE_MAX) return dropTooSlow();
    }
    check();
  };

  // Replay and subscribe in the same tick: no byte can fall between the two.
  const { offset, chunks } = run.transcript.chunksFrom(since);
  send(ws, { type: 'hello', offset, status: run.status, dropped: run.transcript.dropped });
  if (run.status === 'starting' && run.phase) send(ws, { type: 'phase', ...run.phase });
  for (const c of chunks) for (let i = 0; i < c.length; i += REPLAY_PIECE) queue.push({ bytes: c.subarray(i, i + REPLAY_PIECE) });
  flow.account(chunks.reduce((n, c) => n + c.length, 0));

  const onOutput = (_offset: number, chunk: Buffer) => enqueue({ bytes: chunk, live: true });
  const onMessage = (m: ServerMessage) => enqueue({ message: m });
  if (run.finished) {
    // The same end frame a live watcher got, `stopped` included.
    const stopped = run.stopped ? { stopped: true as const } : {};
    if (run.status === 'exited') queue.push({ message: { type: 'exit', exitCode: run.exitCode!, durationMs: run.durationMs!, ...stopped } });
    else queue.push({ message: { type: 'error', message: run.error ?? 'The run failed.', ended: true, ...stopped } });
  } else {
    run.on('output', onOutput);
    run.on('message', onMessage);
  }
  check();

  // Stdin backpressure: above STDIN_HIGH bytes not yet taken by the command, stop reading this
  // socket (TCP then pushes back on the client) until the exec's input drains, for at most
  // STDIN_WAIT_MAX_MS: then the socket is cut, so a client that left meanwhile is detached.
  let cancelInputWait: (() => void) | undefined;
  let inputTimer: NodeJS.Timeout | undefined;
  const limitInput = () => {
    if (cancelInputWait || run.inputBacklog <= STDIN_HIGH) return;
    ws.pause();
    inputTimer = setTimeout(() => {
      cancelInputWait?.();
      cancelInputWait = undefined;
      ws.close(CLOSE.stdinNotRead, 'stdin not read');
      // The client's close frame sits behind its unread input: do not wait for it.
      ws.terminate();
    }, STDIN_WAIT_MAX_MS);
    cancelInputWait = run.whenInputDrains(() => {
      clearTimeout(inputTimer);
      cancelInputWait = undefined;
      ws.resume();
    });
  };

  // An instructor looking over an attendee's shoulder reads only, until that attendee asks for help.
  const readOnly = () => canType !== undefined && !canType();
  let toldSize = false;
  onClientFrames(
    ws,
    (raw: RawData, isBinary: boolean) => {
      const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
      if (isBinary) {
        if (readOnly()) return reply(ws, { type: 'error', message: READ_ONLY });
        if (!run.write(buf)) {
          reply(ws, {
            type: 'error',
            message: run.finished ? 'This run has ended; it takes no more input.' : 'Too much input typed ahead of the start; it was dropped.',
          });
        }
        return limitInput();
      }
      const parsed = parseClientMessage(buf.toString('utf8'));
      if (!parsed.ok) return reply(ws, { type: 'error', message: parsed.error });
      if (parsed.message.type === 'resize') {
        // The terminal's size stays the attendee's, help or not; said once (a pane resizes often).
        if (canType) {
          if (!toldSize) reply(ws, { type: 'error', message: "The attendee's terminal keeps its own size; a watcher cannot resize it." });
          toldSize = true;
          return;
        }
        run.resize(parsed.message.cols, parsed.message.rows);
      } else {
        flow.acknowledge(parsed.message.bytes);
        check();
      }
    },
    log,
  );
  ws.on('error', () => undefined);
  ws.on('close', () => {
    cancelInputWait?.();
    clearTimeout(inputTimer);
    clearInterval(drainTimer);
    clearTimeout(holdTimer);
    queue.length = 0;
    flow.drop();
    run.off('output', onOutput);
    run.off('message', onMessage);
    run.release(holder);
    run.detach();
  });
}
