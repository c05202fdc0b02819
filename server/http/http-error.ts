import { EngineUnreachableError, ImageMissingError } from '../docker/engine-error.ts';

/** An error with the HTTP status it maps to; `message` says what happened and what to do. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const notFound = (what: string) => new HttpError(404, `${what} not found. It may have ended and been removed, or belong to someone else.`);

/** The one place typed errors become HTTP statuses. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
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
