/**
 * The one protocol between the browser (or a script) and the server, imported by both sides.
 *
 * HTTP: see README "HTTP API". WebSocket `/api/runs/:id/stream?since=<offset>`: binary frames from
 * the server carry raw output bytes and nothing else, numbered by byte offset from 0; text frames
 * carry the JSON control messages below. The client sends stdin as binary frames and control
 * messages as text frames.
 */

export type RunStatus = 'starting' | 'running' | 'exited' | 'failed';

/** GET /api/runs/:id */
export interface RunInfo {
  id: string;
  sessionId: string;
  command: string;
  /** `terminal` for the free terminal docked under every page. */
  kind: 'block' | 'terminal';
  /** The page block that started it (client-chosen key), so a reloaded page re-attaches. */
  block?: string;
  /** When the run was created (ms since the epoch). */
  createdAt: number;
  status: RunStatus;
  exitCode?: number;
  durationMs?: number;
  /** The run ended because someone asked it to (Stop, Run all stopped, nobody watching), not by itself. */
  stopped?: true;
  error?: string;
}

/** A step of getting a sandbox ready, shown while the first Run of a visit waits. */
export interface Phase {
  /** `replacing-sandbox`: the session's sandbox died, so its earlier state is gone; a new one is made. */
  phase: 'pulling-image' | 'replacing-sandbox' | 'creating-sandbox' | 'starting-engine' | 'ready';
  message: string;
  percent?: number;
}

/** A phase as the run's stream sends it. */
export interface PhaseMessage extends Phase {
  type: 'phase';
}

/** Server to client, as JSON text frames. */
export type ServerMessage =
  /** First frame: the offset of the first output byte that follows (>= since; larger when older bytes were dropped). */
  | { type: 'hello'; offset: number; status: RunStatus; dropped: number }
  | PhaseMessage
  /**
   * The run ended; the server then closes with 1000. `stopped` when it ended because it was
   * stopped (its 130 or 137 is then no failure of the command); a finished run's RunInfo says so too.
   */
  | { type: 'exit'; exitCode: number; durationMs: number; stopped?: true }
  /**
   * Something went wrong; says what and what to do. With `ended` the run failed and the server
   * closes with 4000; without, a client message was refused and the stream goes on. `stopped`
   * when it ended only because it was stopped before it started.
   */
  | { type: 'error'; message: string; ended?: boolean; stopped?: true };

/** The body of PUT /api/sessions/:id/files: a file block written into the workspace. */
export interface FileWrite {
  /** Relative to the workspace, e.g. `Dockerfile` or `app/main.py`. */
  path: string;
  content: string;
}

export const MAX_FILE_BYTES = 1024 * 1024;
const FILE_PATH = /^(?!.*(^|\/)\.\.?(\/|$))[\w.-]+(\/[\w.-]+)*$/;

// In a `u` pattern a well-formed pair is one code point: only a lone surrogate is of category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a string from a request cannot be passed on as it is, if it cannot: a NUL ends a C string (an
 * exec's environment, bash's own strings), so what ran would be less than what was sent; a lone
 * surrogate has no UTF-8 form and would be changed to U+FFFD on the way.
 */
export function textProblem(text: string, allowNul = false): string | undefined {
  if (!allowNul && text.includes('\0')) return 'holds a NUL character (\\0), which a shell command cannot carry. Remove it.';
  if (LONE_SURROGATE.test(text)) return 'is not valid Unicode (it holds a lone surrogate). Send it as UTF-8 text.';
  return undefined;
}

/** Validates a file write: a relative path inside the workspace, text UTF-8 carries unchanged, at most 1 MiB. */
export function parseFileWrite(body: unknown): ({ ok: true } & FileWrite) | { ok: false; status: 400 | 413; error: string } {
  if (!isJsonObject(body)) return refused('Send a JSON object as the body: {"path": "...", "content": "..."}.');
  const b = body;
  if (typeof b.path !== 'string' || b.path.length > 200 || !FILE_PATH.test(b.path)) {
    return { ok: false, status: 400, error: '"path" must be a relative path inside the workspace (letters, digits, . _ - and /; no ..).' };
  }
  if (typeof b.content !== 'string') return { ok: false, status: 400, error: '"content" must be a string.' };
  // A file may hold NUL bytes; it must still be text that UTF-8 can carry unchanged.
  const problem = textProblem(b.content, true);
  if (problem) return { ok: false, status: 400, error: `"content" ${problem}` };
  if (new TextEncoder().encode(b.content).length > MAX_FILE_BYTES) return { ok: false, status: 413, error: 'A file block may be at most 1 MiB.' };
  return { ok: true, path: b.path, content: b.content };
}

/** A container of the session's engine, as the session panel shows it. */
export interface InventoryContainer {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  /** Published TCP ports: host port (on the sandbox) -> container port. */
  ports: Array<{ hostPort: number; containerPort: number }>;
}

/** What the session's engine holds, pushed on /api/sessions/:id/events after every engine event. */
export interface Inventory {
  containers: InventoryContainer[];
  images: Array<{ id: string; repository: string; tag: string; size: string }>;
  networks: Array<{ id: string; name: string; driver: string }>;
  volumes: Array<{ name: string; driver: string }>;
}

/** Server to client on the session events WebSocket. */
export type SessionMessage =
  | { type: 'inventory'; inventory: Inventory }
  /** No sandbox yet (nothing has run), the sandbox is gone, or its engine is still starting. */
  | { type: 'no-sandbox'; message: string }
  | { type: 'error'; message: string };

/**
 * Client to server, as JSON text frames (stdin goes as binary frames). `ack` is flow control for
 * clients that opened the stream with `ack=1`: the total output bytes the client has processed
 * (for xterm, written to the screen); the server pauses the run's output while too much is unacknowledged.
 */
export type ClientMessage = { type: 'resize'; cols: number; rows: number } | { type: 'ack'; bytes: number };

/** A client message as the text frame that carries it. */
export function encodeClientMessage(m: ClientMessage): string {
  return JSON.stringify(m);
}

/** The path of a run's stream from byte `since`; `ack`: the client acknowledges what it processed (flow control). */
export function runStreamPath(runId: string, since: number, ack: boolean): string {
  return `/api/runs/${encodeURIComponent(runId)}/stream?since=${since}${ack ? '&ack=1' : ''}`;
}

/** The path of a session's events feed (the session panel's). */
export function sessionEventsPath(sessionId: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/events`;
}

/** Flow control: output is paused above HIGH unacknowledged bytes and resumed below LOW. */
export const FLOW = { high: 512 * 1024, low: 128 * 1024 } as const;

/** WebSocket close codes the server uses besides 1000 (normal) and 1009 (frame too big). */
export const CLOSE = {
  normal: 1000,
  tooBig: 1009,
  /** The run failed (its sandbox could not be made, or the sandbox died); an error frame came first. */
  runFailed: 4000,
  /** The server is shutting down. */
  goingAway: 1001,
  /** A frame of the client's could not be handled (a defect on the server's side); this socket alone ends. */
  internalError: 1011,
  /** This reader held the output back too long (flow control); reconnect with `since`. */
  tooSlow: 4001,
  /**
   * The command did not take this client's stdin for STDIN_WAIT_MAX_MS while the server had stopped
   * reading the socket: the socket is cut (a client that left meanwhile could not be seen leaving).
   */
  stdinNotRead: 4002,
  /** The session ended (restarted, logged out, reaped): its feed will not come back; a new session has a new id. */
  sessionClosed: 4404,
} as const;

/** GET /api/registry: the registry behind `$REGISTRY`; the account only when it is the site's own. */
export interface RegistryInfo {
  registry: string;
  local: boolean;
  user?: string | undefined;
  password?: string | undefined;
}

/** Largest WebSocket frame the server accepts (stdin and control messages are small). */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/** Largest command a run accepts, in bytes of UTF-8 (larger gets 413). */
export const MAX_COMMAND_BYTES = 64 * 1024;

export const TERMINAL_LIMITS = { minCols: 2, maxCols: 500, minRows: 1, maxRows: 300 } as const;

/** Whether cols and rows are a terminal size the server accepts. */
export function validSize(cols: unknown, rows: unknown): boolean {
  const L = TERMINAL_LIMITS;
  return (
    Number.isInteger(cols) &&
    Number.isInteger(rows) &&
    (cols as number) >= L.minCols &&
    (cols as number) <= L.maxCols &&
    (rows as number) >= L.minRows &&
    (rows as number) <= L.maxRows
  );
}

/** Parses a client text frame; a malformed or unknown message gets a reason instead. */
export function parseClientMessage(text: string): { ok: true; message: ClientMessage } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'That message is not JSON. Send stdin as binary frames and {"type":"resize",...} as text.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'A control message must be a JSON object with a "type".' };
  }
  const m = value as Record<string, unknown>;
  if (m.type === 'resize') {
    if (!validSize(m.cols, m.rows)) {
      return {
        ok: false,
        error: `resize needs integer cols (${TERMINAL_LIMITS.minCols}-${TERMINAL_LIMITS.maxCols}) and rows (${TERMINAL_LIMITS.minRows}-${TERMINAL_LIMITS.maxRows}).`,
      };
    }
    return { ok: true, message: { type: 'resize', cols: m.cols as number, rows: m.rows as number } };
  }
  if (m.type === 'ack') {
    if (!Number.isSafeInteger(m.bytes) || (m.bytes as number) < 0)
      return { ok: false, error: 'ack needs "bytes": the total output bytes processed.' };
    return { ok: true, message: { type: 'ack', bytes: m.bytes as number } };
  }
  // Only a string is named back: any other value is the client's object, whose own toString may throw.
  const named = typeof m.type === 'string' ? ` ${JSON.stringify(m.type.slice(0, 40))}` : '';
  return { ok: false, error: `Unknown message type${named}; known ones are "resize" and "ack".` };
}

export interface RunRequest {
  command: string;
  cols?: number;
  rows?: number;
  block?: string;
  timeoutMs?: number;
  /**
   * The page's id for this one click, the same on every try of the request: a try whose answer was
   * lost gets the run the first try started, not a second run of the command.
   */
  requestId?: string;
}

const BLOCK_KEY = /^[\w./#:-]{1,200}$/;
/** A request id: what `crypto.randomUUID()` makes, or any such token. */
export const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

type Refused = { ok: false; status: 400; error: string };

/** A JSON body that is an object: not null, a list, a number or a string. */
function isJsonObject(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

const refused = (error: string): Refused => ({ ok: false, status: 400, error });

/** A run's or a terminal's `requestId`, checked alike. */
function requestIdOf(b: Record<string, unknown>): Refused | { ok: true; requestId?: string } {
  if (b.requestId === undefined) return { ok: true };
  if (typeof b.requestId !== 'string' || !REQUEST_ID.test(b.requestId)) return refused('"requestId" must be 8 to 64 letters, digits or -');
  return { ok: true, requestId: b.requestId };
}

/** A run's or a terminal's size: both or neither, in range (the same range as a resize). */
function sizeOf(b: Record<string, unknown>): Refused | { ok: true; size?: { cols: number; rows: number } } {
  if (b.cols === undefined && b.rows === undefined) return { ok: true };
  if (!validSize(b.cols, b.rows)) return refused('cols and rows must be given together, as integers in range.');
  return { ok: true, size: { cols: b.cols as number, rows: b.rows as number } };
}

/** Validates the body of POST /api/sessions/:id/terminal: no body, or an object with a size and a request id. */
export function parseTerminalRequest(body: unknown): Refused | { ok: true; size?: { cols: number; rows: number }; requestId?: string } {
  if (body === undefined) return { ok: true };
  if (!isJsonObject(body)) return refused('Send a JSON object as the body: {"cols": 80, "rows": 24}, or none.');
  const size = sizeOf(body);
  if (!size.ok) return size;
  const id = requestIdOf(body);
  if (!id.ok) return id;
  return { ok: true, ...(size.size ? { size: size.size } : {}), ...(id.requestId ? { requestId: id.requestId } : {}) };
}

/** Validates the body of POST /api/sessions/:id/runs; `maxTimeoutMs` bounds a requested timeout. */
export function parseRunRequest(
  body: unknown,
  maxTimeoutMs = 24 * 3600_000,
): ({ ok: true } & RunRequest) | { ok: false; status: 400 | 413; error: string } {
  if (!isJsonObject(body)) return refused('Send a JSON object as the body: {"command": "..."}.');
  const b = body;
  const extra: Pick<RunRequest, 'block' | 'timeoutMs' | 'requestId'> = {};
  const id = requestIdOf(b);
  if (!id.ok) return id;
  if (id.requestId) extra.requestId = id.requestId;
  if (b.block !== undefined) {
    if (typeof b.block !== 'string' || !BLOCK_KEY.test(b.block))
      return { ok: false, status: 400, error: '"block" must be up to 200 letters, digits or ./#:_-' };
    extra.block = b.block;
  }
  if (b.timeoutMs !== undefined) {
    if (!Number.isInteger(b.timeoutMs) || (b.timeoutMs as number) < 1000 || (b.timeoutMs as number) > maxTimeoutMs) {
      return { ok: false, status: 400, error: `"timeoutMs" must be a whole number from 1000 to ${maxTimeoutMs}.` };
    }
    extra.timeoutMs = b.timeoutMs as number;
  }
  if (typeof b.command !== 'string' || b.command.trim() === '') {
    return { ok: false, status: 400, error: '"command" must be a non-empty string.' };
  }
  const problem = textProblem(b.command);
  if (problem) return { ok: false, status: 400, error: `"command" ${problem}` };
  if (new TextEncoder().encode(b.command).length > MAX_COMMAND_BYTES) {
    return { ok: false, status: 413, error: `The command is over ${MAX_COMMAND_BYTES / 1024} KiB. Put long scripts in a file block instead.` };
  }
  const size = sizeOf(b);
  if (!size.ok) return size;
  return { ok: true, command: b.command, ...(size.size ?? {}), ...extra };
}

/** GET /api/health's engine part. */
export interface EngineHealth {
  reachable: boolean;
  host: string;
  version?: string;
  apiVersion?: string;
  error?: string;
}

/** The engine's report as the health cache keeps it (counts from the session store are added per request). */
export interface HealthReport {
  engine: EngineHealth;
  sandboxImage: { name: string; present: boolean };
  sessions: number;
  /** `host` means Run acts on the host's own engine: the page shows a warning banner. */
  mode: 'isolated' | 'host';
  /** Who holds root over the sandbox engines: `rootless` (the default), `rootful` (opted into), or none in host mode. */
  isolation: 'rootless' | 'rootful' | 'none';
  /** The limits in force (configuration), when the caller passes them. */
  limits?: Limits;
  /** People waiting for a session while all are in use. */
  queue?: number;
}

/** Limits as data: what every sandbox, run and user gets. */
export interface Limits {
  sandbox: { memoryBytes: number; cpus: number; pids: number; disk: string };
  run: { timeoutMs: number; maxTimeoutMs: number; outputBytes: number; stopGraceMs: number; detachedGraceMs: number };
  sessions: { max: number; perUser: number; idleMs: number };
}

/** Free space where the engine keeps its data, as /api/health reports it. */
export type DiskReport =
  | { known: true; path: string; freeBytes: number; totalBytes: number; minFreeBytes: number; low: boolean }
  | { known: false; reason: string };

/** How readers sign in to this server. */
export type AuthMode = 'token' | 'password' | 'proxy';

/**
 * One Swarm node in /api/health, as the server's last look (every few seconds) found it: `ready`
 * and `active` as the manager says, `reachable` whether its own engine answered, the sandboxes it
 * holds (any instance's; null when it does not answer) of its `capacity`, and this server's
 * pooled sandboxes ready there.
 */
export interface NodeHealth {
  name: string;
  ready: boolean;
  active: boolean;
  reachable: boolean;
  holds: number | null;
  capacity: number;
  pooled: number;
}

/**
 * The body of GET /api/health. An anonymous caller of a hosted server learns only whether blocks
 * can run (200 or 503); everyone else gets the full report.
 */
export type HealthResponse =
  | { ok: boolean }
  | (HealthReport & {
      auth: AuthMode;
      disk: DiskReport;
      limits: Limits;
      queue: number;
      pool: { size: number; ready: number };
      /** On a cluster, each of its nodes (empty until the server's first look at them). */
      nodes?: NodeHealth[];
    });

// ---- Workshop mode (README "Workshop API") -------------------------------------------------------

/** Who a signed-in person is in a workshop. */
export type Role = 'attendee' | 'instructor';

/** How a block's last run ended. */
export type BlockStatus = 'exited' | 'failed' | 'stopped';

/** GET /api/progress: the caller's last result per block and per check, by page slug. */
export interface Progress {
  pages: Record<
    string,
    {
      blocks: Record<string, { status: BlockStatus; exitCode?: number; at: number }>;
      checks: Record<string, { passed: boolean; at: number }>;
    }
  >;
}

/** An attendee's last failed block, as the room shows it. */
export interface Failure {
  command: string;
  exitCode: number;
  at: number;
  page: string;
  block: string;
}

/** The instructor's message to everyone (a banner on every attendee's page). */
export interface Message {
  id: string;
  text: string;
  at: number;
}

/** POST /api/instructor/settings (its answer too). */
export interface WorkshopSettings {
  classSize: number;
  timeLimitMinutes: number | null;
}

/** GET /api/workshop/me */
export interface WorkshopMe {
  user: string;
  role: Role;
  endsAt: number | null;
  message: Message | null;
  help: boolean;
}

/** POST /api/sessions/:id/checks */
export interface CheckResult {
  passed: boolean;
  /** Only when it did not pass and the page gives one. */
  hint?: string;
  /** Only when the page's check says `show-output`. */
  output?: string;
}

/** A run of an attendee's session, listed in the room (the newest). */
export interface RoomRun {
  id: string;
  block?: string;
  kind: 'block' | 'terminal';
  status: string;
  exitCode?: number;
  createdAt: number;
}

/** One attendee as the room shows them. */
export interface RoomAttendee {
  user: string;
  pages: Progress['pages'];
  lastFailure?: Failure;
  idleMs: number;
  help: boolean;
  moreTime: boolean;
  endsAt: number | null;
  currentBlock?: string;
  sessionId?: string;
  runs: RoomRun[];
}

/** GET /api/instructor/room and the room feed's `room` event. */
export interface Room {
  attendees: RoomAttendee[];
  classSize: number;
  poolReady: number;
}
