import type { ExecOptions } from '../sandbox/sandbox.ts';

/** Where a run's shell records its pid (its session id, since a TTY exec starts a new session). */
export const runPidFile = (runId: string) => `/run/rdn/runs/${runId}.pid`;

/**
 * The shell that wraps every command: it records its pid so Stop can signal the whole process
 * session, loads the session's state (session-shell.ts), evaluates the command, and saves the
 * state when it exits, keeping the command's exit code. The command travels in the environment,
 * never in argv or in container options.
 */
const WRAPPER = [
  // /run/rdn/runs is installed with the sandbox: no mkdir (a fork) on every run.
  '__rdn_p=/run/rdn/runs/$RDN_RUN_ID.pid; echo $$ >"$__rdn_p"',
  '[ -f /run/rdn/lib.sh ] && . /run/rdn/lib.sh',
  'trap \'__rdn_rc=$?; type __rdn_save_state >/dev/null 2>&1 && __rdn_save_state; rm -f "$__rdn_p"; exit $__rdn_rc\' EXIT',
  'shopt -s expand_aliases',
  // Sourced at the top level, not in a function: there `declare` would make the variables local.
  '[ -f /run/rdn/state.sh ] && . /run/rdn/state.sh',
  // Engines before API 1.42 start a TTY exec at 0x0 and the server resizes it just after: wait for that.
  '__rdn_i=0; while [ "$(stty size 2>/dev/null)" = "0 0" ] && [ $__rdn_i -lt 100 ]; do sleep 0.01; __rdn_i=$((__rdn_i+1)); done',
  '__rdn_c=$RDN_COMMAND; unset RDN_COMMAND RDN_RUN_ID __rdn_i',
  'eval "$__rdn_c"',
].join('\n');

/** The exec of one run: bash in the workspace, with a TTY of the pane's size. */
export function runExecOptions(
  runId: string,
  command: string,
  size?: { cols: number; rows: number },
  env: string[] = [],
): ExecOptions {
  return {
    cmd: ['bash', '-c', WRAPPER],
    env: [...env, `RDN_RUN_ID=${runId}`, `RDN_COMMAND=${command}`, 'TERM=xterm-256color', 'COLORTERM=truecolor'],
    tty: true,
    stdin: true,
    ...(size ? { cols: size.cols, rows: size.rows } : {}),
  };
}

/** Signals every process of a run's session (SIGINT first, SIGKILL after the grace). */
export function signalRunCommand(runId: string, signal: 'INT' | 'KILL'): string[] {
  const file = runPidFile(runId);
  // A run stopped just as it starts may not have written its pid yet: wait a moment for it.
  return ['bash', '-c', `for i in $(seq 1 40); do [ -f ${file} ] && break; sleep 0.05; done; [ -f ${file} ] && pkill -${signal} -s "$(cat ${file})"; true`];
}
