import { EngineUnreachableError, ImageMissingError } from '../docker/engine-error.ts';
import { AtCapacityError, LimitReachedError, NotFoundError, RequestConflictError, WorkspaceConflictError } from '../domain-errors.ts';

/** An error with the HTTP status it maps to; `message` says what happened and what to do. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The one place typed errors become HTTP statuses: the API, the refused WebSocket upgrades and the
 * port links all answer through it.
 */
export function httpStatusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof LimitReachedError) return 429;
  if (err instanceof AtCapacityError) return 503;
  if (err instanceof WorkspaceConflictError || err instanceof RequestConflictError) return 409;
  if (err instanceof EngineUnreachableError || err instanceof ImageMissingError) return 503;
  // A path's broken percent-encoding (Express decoding a route parameter, or our own decoding).
  if (err instanceof URIError) return 400;
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') return 413;
  if (e?.type === 'entity.parse.failed') return 400;
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return e.status;
  return 500;
}

/**
 * An error as it is answered: its status and body. The server's own faults (500, "the server log has
 * the details") are logged with their stack, after `where` (what was being answered).
 */
export function errorAnswer(err: unknown, log: (line: string) => void, where: string): { status: number; body: { error: string } } {
  const status = httpStatusOf(err);
  if (status === 500) log(`${where}: ${(err as Error)?.stack ?? String(err)}`);
  return { status, body: errorBody(err, status) };
}

/** The JSON body sent for an error. */
export function errorBody(err: unknown, status: number): { error: string } {
  const e = err as { type?: string; message?: string };
  if (e?.type === 'entity.too.large') return { error: tooLarge((err as { limit?: unknown }).limit) };
  if (e?.type === 'entity.parse.failed') return { error: 'The request body is not valid JSON.' };
  const unread = bodyProblem(err, status);
  if (unread) return { error: unread };
  if (err instanceof URIError)
    return { error: 'The path has a broken percent-encoding (each % must start two hex digits of UTF-8). Check the link.' };
  if (status === 500) return { error: 'Internal error; the server log has the details.' };
  return { error: e?.message ?? String(err) };
}

/**
 * What the body parsers could not read, in words that say what to send instead; their own
 * messages name internals ("incorrect header check"). Undefined for any other error.
 */
function bodyProblem(err: unknown, status: number): string | undefined {
  const e = err as { type?: string; charset?: string; encoding?: string; errno?: unknown };
  switch (e?.type) {
    case 'charset.unsupported':
      return `The request body's charset (${String(e.charset).slice(0, 40)}) is not supported: send it as UTF-8.`;
    case 'encoding.unsupported':
      return `The request body's Content-Encoding (${String(e.encoding).slice(0, 40)}) is not supported: send it uncompressed, or as gzip, deflate or br.`;
    case 'request.aborted':
    case 'request.size.invalid':
      return 'The request body did not arrive whole (shorter than its Content-Length, or cut off): send it again.';
    case 'parameters.too.many':
      return 'The form has too many fields.';
  }
  // A decompression error (zlib's, with its errno) that the parser passed on as a 400.
  if (e?.type === undefined && status === 400 && typeof e?.errno === 'number') {
    return 'The request body could not be decompressed: it is not valid for its Content-Encoding. Send it again, or uncompressed.';
  }
  return undefined;
}

/**
 * A body over its route's limit, with that limit: the API's runs and file blocks, the workshop's
 * small requests and the sign-in each have their own.
 */
function tooLarge(limit: unknown): string {
  const at = typeof limit === 'number' && limit > 0 ? ` (this request takes at most ${Math.max(1, Math.round(limit / 1024))} KiB)` : '';
  return `The request body is too large${at}. A Run's command may be at most 64 KiB and a file block 1 MiB; longer scripts belong in a file block.`;
}
