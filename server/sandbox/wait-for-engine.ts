import { ENGINE_CONTROL_DIR, ENGINE_FAILED_FILE, ENGINE_PING, ENGINE_READY_FILE, PING_FAST_LOOKS } from './docker-wrapper.ts';
import type { SessionSandbox } from './session-sandbox.ts';

/**
 * The wait as one helper that polls inside the sandbox: polling from the server (an exec every
 * 150 ms per starting sandbox) was work for the host engine while it was making other sandboxes.
 * The socket is looked at first (cheap); the engine is asked (ENGINE_PING, at the wrapper's pace)
 * only once it is there. `$1` is the timeout in seconds. Its output on failure: the last answer,
 * then the end of the engine's log.
 */
const SCRIPT = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansions in the script, not a template
  's=${DOCKER_HOST:-unix:///var/run/docker.sock}; s=${s#unix://}; end=$((SECONDS + $1)); out="no engine socket at $s yet"',
  // First the go-ahead: the sandbox's entrypoint makes the pipe at once and starts its engine when
  // a line arrives. Blocks until the entrypoint reads it, so bounded; an image from before the pipe
  // starts its engine on its own, and is waited for only the few seconds the pipe would take.
  `c=${ENGINE_CONTROL_DIR}; for _ in {1..100}; do [ -p $c/start ] || [ -e $c/told ] && break; /usr/bin/sleep 0.1; done`,
  `if [ -p $c/start ] && ! /usr/bin/timeout 30 /bin/bash -c 'echo go >"$0"' $c/start 2>/dev/null; then`,
  // Another writer (a reader's `docker`) may have given it just before: the entrypoint reads one line
  // and removes the pipe (this open then fails: the folder is root's), and marks it `told`.
  `  for _ in {1..20}; do [ -e $c/told ] && break; /usr/bin/sleep 0.1; done`,
  `  [ -e $c/told ] || { : >${ENGINE_FAILED_FILE}; echo "the sandbox did not take the go-ahead to start its engine"; exit 1; }`,
  'fi',
  'n=0; d=0.1',
  'while :; do',
  '  if [ -S "$s" ]; then',
  `    out=$(${ENGINE_PING} 2>&1) && [ "$out" = OK ] && { : >${ENGINE_READY_FILE}; exit 0; }`,
  // A DOCKER_HOST that is not a socket (a host engine over tcp, with its TLS settings) is asked by the CLI.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion in the script, not a template
  '  elif [ "${s#/}" = "$s" ]; then',
  `    out=$(/usr/bin/docker version --format '{{.Server.Version}}' 2>&1) && { : >${ENGINE_READY_FILE}; exit 0; }`,
  '  fi',
  `  [ $SECONDS -ge $end ] && { : >${ENGINE_FAILED_FILE}; printf '%s\\n' "$out"; /usr/bin/tail -n 15 /var/log/dockerd.log; exit 1; }`,
  `  n=$((n + 1)); [ $n -eq ${PING_FAST_LOOKS} ] && d=0.5`,
  '  /usr/bin/sleep $d',
  'done',
].join('\n');

/** The engine did not answer in time, in a sandbox that was there all along to say so. */
export class EngineDidNotStartError extends Error {}

/**
 * Waits until the sandbox's own engine answers, then marks it ready for the `docker` wrapper
 * (docker-wrapper.ts). Rejects with EngineDidNotStartError (and the engine's log) when it does not
 * start in time; with a plain error when the wait itself was cut short (the sandbox was killed or
 * removed meanwhile: its waiter ends killed, and that says nothing about its engine).
 */
export async function waitForEngine(sandbox: SessionSandbox, timeoutMs: number): Promise<void> {
  const seconds = Math.max(1, Math.round(timeoutMs / 1000));
  const r = await sandbox.run(['/bin/bash', '-c', SCRIPT, 'wait-for-engine', String(seconds)]);
  if (r.exitCode === 0) return;
  if (r.exitCode !== 1) throw new Error(`The wait for the sandbox's engine ended with exit ${r.exitCode}: the sandbox stopped meanwhile.`);
  const [last, ...log] = r.output.trim().split('\n');
  throw new EngineDidNotStartError(
    `The sandbox's Docker engine did not start within ${seconds} s (${last ?? ''}).\nIts log ends with:\n${log.join('\n')}`,
  );
}
