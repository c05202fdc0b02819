/** What a log line is about: the ids a reader of the log needs to follow one session, run or sandbox. */
export interface LogContext {
  session?: string;
  run?: string;
  sandbox?: string;
  [key: string]: string | undefined;
}

/**
 * A logger that carries its context: the stateful classes get one with their ids already set
 * (`child`), so a line such as "could not remove the sandbox" says whose it was.
 */
export interface Logger {
  info(message: string): void;
  /** Something failed that nobody else reports (a clean-up, a background refill); `err` says why. */
  warn(message: string, err?: unknown): void;
  child(context: LogContext): Logger;
}

/** Ids are UUIDs: their first 8 characters are enough to tell sessions apart in a log. */
const short = (v: string) => (/^[0-9a-f]{8}-[0-9a-f-]{27}$/.test(v) || /^[0-9a-f]{64}$/.test(v) ? v.slice(0, 8) : v);

function formatContext(context: LogContext): string {
  const parts = Object.entries(context)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${short(v)}`);
  return parts.length > 0 ? ` [${parts.join(' ')}]` : '';
}

/** The first line of an error's message (engine errors can run over many lines). */
export function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : describeThrown(err);
  return text.split('\n')[0] ?? text;
}

/** A thrown value that is no Error, as text: its own toString may throw too (a client's object). */
function describeThrown(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `a thrown ${typeof value}`;
  }
}

/** A logger writing lines to `write` (stdout in the server), with the context appended to each. */
export function lineLogger(write: (line: string) => void, context: LogContext = {}): Logger {
  const suffix = formatContext(context);
  return {
    info: (message) => write(`${message}${suffix}`),
    warn: (message, err) => write(`Warning: ${message}${err === undefined ? '' : `: ${reason(err)}`}${suffix}`),
    child: (more) => lineLogger(write, { ...context, ...more }),
  };
}

/** For code whose lines nobody needs (tests of other things, one-off helpers). */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, child: () => silentLogger };
