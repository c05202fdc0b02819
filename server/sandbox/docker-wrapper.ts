import type { SandboxFile } from './tar-files.ts';

/** Written by the server's engine wait (wait-for-engine.ts) once the sandbox's engine answers. */
export const ENGINE_READY_FILE = '/run/rdn/engine-ready';
/** Written by the same wait when it gives up, so a waiting `docker` stops waiting too. */
export const ENGINE_FAILED_FILE = '/run/rdn/engine-failed';
/** First on the PATH of every exec of the reader's (sandboxExecIdentity); helpers never see it. */
export const WRAPPER_BIN_DIR = '/run/rdn/bin';

/**
 * `docker` for the reader's commands. A sandbox is handed out once its container runs, while its
 * own engine may still be starting (a Run such as `echo hi` should not wait for an engine it does
 * not use); a `docker` run before the engine answers waits for it here, saying so after a second,
 * instead of failing with "Cannot connect to the Docker daemon". Plain sh: it runs before every
 * docker command, and dash starts faster than bash.
 */
const WRAPPER = `#!/bin/sh
# Installed by the notes server: waits for this sandbox's Docker engine, then runs the real docker.
if [ ! -e ${ENGINE_READY_FILE} ]; then
  i=0
  while [ ! -e ${ENGINE_READY_FILE} ]; do
    if [ -e ${ENGINE_FAILED_FILE} ] || [ "$i" -ge 900 ]; then
      echo "docker: this sandbox's Docker engine did not start (its log: /var/log/dockerd.log). Restart the session for a new sandbox." >&2
      exit 1
    fi
    [ "$i" -eq 10 ] && echo "docker: waiting for this sandbox's Docker engine to start..." >&2
    /usr/bin/sleep 0.1
    i=$((i + 1))
  done
fi
exec /usr/bin/docker "$@"
`;

/** The wrapper, as a file of the sandbox's install list (relative to /run). */
export const DOCKER_WRAPPER_FILE: SandboxFile = { path: 'rdn/bin/docker', content: WRAPPER, mode: 0o755 };
