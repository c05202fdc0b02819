import type { DockerConnection } from './docker-host.ts';

/** The Docker engine could not be reached; `message` says why and what to do. */
export class EngineUnreachableError extends Error {
  override name = 'EngineUnreachableError';
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

/** An image the project needs is not in the engine and cannot be pulled. */
export class ImageMissingError extends Error {
  override name = 'ImageMissingError';
  readonly image: string;
  constructor(image: string, message: string) {
    super(message);
    this.image = image;
  }
}

const HINTS: Record<string, string> = {
  ENOENT: 'Start Docker (for example `sudo bash scripts/start-engine.sh`), or set DOCKER_HOST.',
  ECONNREFUSED: 'Start Docker, or point DOCKER_HOST at an engine that is running.',
  EACCES: 'Add this user to the docker group (then log in again), or run the server as root.',
  ETIMEDOUT: 'The engine did not answer in time: check that it is running and not overloaded.',
  ENOTFOUND: 'The host in DOCKER_HOST does not resolve: check the name.',
};

/** Turns a low-level connection failure into an EngineUnreachableError that names the engine and a next step. */
export function describeEngineError(err: unknown, connection: DockerConnection): EngineUnreachableError {
  const e = err as { code?: string; message?: string };
  const code = e?.code;
  const reason = e?.message ?? String(err);
  const hint = (code && HINTS[code]) ?? 'Check that the Docker engine is running and DOCKER_HOST is right.';
  return new EngineUnreachableError(`Docker engine not reachable at ${connection.url}: ${reason}. ${hint}`, code);
}

/** True when the error is a connection-level failure rather than an API answer (e.g. 404). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; statusCode?: unknown };
  return typeof e?.code === 'string' && e.statusCode === undefined;
}
