import type { SandboxFile } from './tar-files.ts';

/** Made by the sandbox's entrypoint (scripts/images/sandbox-entrypoint): its engine starts on a line written to `start` there. */
export const ENGINE_CONTROL_DIR = '/run/rdn-engine';

/** Written by the server's engine wait (wait-for-engine.ts) once the sandbox's engine answers. */
export const ENGINE_READY_FILE = '/run/rdn/engine-ready';
/** Written by the same wait when it gives up, so a waiting `docker` stops waiting too. */
export const ENGINE_FAILED_FILE = '/run/rdn/engine-failed';
/**
 * The one look at whether an engine on the unix socket `$s` answers (prints OK), for the wrapper
 * and the server's wait alike: curl, where the docker CLI (a Go program) cost the starting engines
 * their CPU when many waited at once.
 */
export const ENGINE_PING = '/usr/bin/curl -sS --max-time 5 --unix-socket "$s" http://engine/_ping';
/** The looks' pace: every 0.1 s for the first 50 looks (5 s), then every 0.5 s. */
export const PING_FAST_LOOKS = 50;

/** First on the PATH of every exec of the reader's (sandboxExecIdentity); helpers never see it. */
export const WRAPPER_BIN_DIR = '/run/rdn/bin';

/**
 * `docker` for the reader's commands. A sandbox is handed out once its container runs, while its
 * own engine may not have started yet (a Run such as `echo hi` should not wait for an engine it
 * does not use, and under a burst of new sessions the server holds engines back: engine-starts.ts).
 * A `docker` run before the engine answers starts it at once (the entrypoint's go-ahead pipe, as
 * the server's wait does) and waits for it here, saying so after a second, instead of failing with
 * "Cannot connect to the Docker daemon". It stops waiting when the server's wait marks the engine
 * ready or failed, or when the engine answers it (the server's wait may not have begun), and after
 * about 10 minutes at most. Plain sh: it runs before every docker command, and dash starts faster than bash.
 *
 * The look is ENGINE_PING: with 50 sessions whose first Run was `docker version`, 50 of these loops
 * each starting the docker CLI every 0.1 s took the two cores from the engines they waited for (the
 * last answered after 348 s, and four sandboxes gave up).
 */
const WRAPPER = `#!/bin/sh
# Installed by the notes server: starts this sandbox's Docker engine if it has not started yet,
# waits for it, then runs the real docker.
if [ ! -e ${ENGINE_READY_FILE} ]; then
  c=${ENGINE_CONTROL_DIR}/start
  [ -p "$c" ] && /usr/bin/timeout 5 /bin/sh -c 'echo go >"$0"' "$c" 2>/dev/null
  s=\${DOCKER_HOST:-unix:///var/run/docker.sock}; s=\${s#unix://}
  i=0; d=0.1
  while [ ! -e ${ENGINE_READY_FILE} ]; do
    if [ -e ${ENGINE_FAILED_FILE} ] || [ "$i" -ge 1240 ]; then
      echo "docker: this sandbox's Docker engine did not start (its log: /var/log/dockerd.log). Restart the session for a new sandbox." >&2
      exit 1
    fi
    [ -S "$s" ] && [ "$(${ENGINE_PING} 2>/dev/null)" = OK ] && break
    [ "$i" -eq 10 ] && echo "docker: waiting for this sandbox's Docker engine to start..." >&2
    [ "$i" -eq ${PING_FAST_LOOKS} ] && d=0.5
    /usr/bin/sleep $d
    i=$((i + 1))
  done
fi
exec /usr/bin/docker "$@"
`;

/** The wrapper, as a file of the sandbox's install list (relative to /run). */
export const DOCKER_WRAPPER_FILE: SandboxFile = { path: 'rdn/bin/docker', content: WRAPPER, mode: 0o755 };
