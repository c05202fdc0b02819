/**
 * What the stateful parts (sessions, runs, streams) refuse, said in their own terms: http/http-error.ts
 * is the one place that turns them into statuses, so these layers never speak HTTP.
 */

/** Something the caller named does not exist, or is not theirs: the same answer for both, on purpose. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The caller already holds the most it may (sessions, runs, streams): it must end one first. */
export class LimitReachedError extends Error {
  override name = 'LimitReachedError';
}

/** The server is full for everyone (every session in use): try again later. */
export class AtCapacityError extends Error {
  override name = 'AtCapacityError';
}

/**
 * What is already in the reader's workspace keeps a file from being written there (a folder under
 * its name, a file where one of its folders should be, no write permission): the reader can clear
 * it. The message names the path and the way out.
 */
export class WorkspaceConflictError extends Error {
  override name = 'WorkspaceConflictError';
}

/**
 * The request names something of an earlier, different one (a request id tried again with another
 * command): it is neither run nor taken for the earlier one.
 */
export class RequestConflictError extends Error {
  override name = 'RequestConflictError';
}

/** A session or run that is gone or someone else's, in the words the caller sees. */
export const notFound = (what: string) => new NotFoundError(`${what} not found. It may have ended and been removed, or belong to someone else.`);
