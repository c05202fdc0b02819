import { EngineUnreachableError, ImageMissingError } from '../docker/engine-error.ts';
import { AtCapacityError, LimitReachedError, NotFoundError, WorkspaceConflictError } from '../domain-errors.ts';

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
  if (err instanceof WorkspaceConflictError) return 409;
  if (err instanceof EngineUnreachableError || err instanceof ImageMissingError) return 503;
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') return 413;
  if (e?.type === 'entity.parse.failed') return 400;
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return e.status;
  return 500;
}

/** The JSON body sent for an error. */
export function errorBody(err: unknown, status: number): { error: string } {
  const e = err as { type?: string; message?: string };
  if (e?.type === 'entity.too.large') return { error: 'The request body is too large (a command may be at most 64 KiB, a file block 1 MiB).' };
  if (e?.type === 'entity.parse.failed') return { error: 'The request body is not valid JSON.' };
  if (status === 500) return { error: 'Internal error; the server log has the details.' };
  return { error: e?.message ?? String(err) };
}
