/**
 * The server's own commands in a sandbox (inventory, Stop's signal, file writes) run in the
 * reader's sandbox, next to whatever the reader left there: a `docker` first on PATH, a BASH_ENV,
 * a docker CLI config. So each names its program by absolute path and gets this environment,
 * which replaces anything of the same name; the exec's environment is the server's, never the shell's.
 */
export const HELPER_ENV = [
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  'LC_ALL=C',
  'BASH_ENV=',
  'ENV=',
  // Root's empty folder: the reader's ~/.docker (aliases, plugins, formats) does not apply.
  'DOCKER_CONFIG=/etc/rdn/docker-config',
];

/** Most output a helper may print before the server stops reading it (the reader's engine answers). */
export const HELPER_OUTPUT_BYTES = 1024 * 1024;

/** A helper printed more than the server reads. */
export class HelperOutputTooLargeError extends Error {
  constructor(program: string, limit: number) {
    super(`The sandbox helper ${program} printed more than ${Math.round(limit / 1024)} KiB; the server stopped reading it.`);
    this.name = 'HelperOutputTooLargeError';
  }
}

/** Checks that a helper names its program by absolute path, and returns its argv unchanged. */
export function helperCommand(cmd: string[]): string[] {
  if (!cmd[0]?.startsWith('/')) throw new Error(`A sandbox helper must name its program by absolute path, not ${JSON.stringify(cmd[0])}.`);
  return cmd;
}
