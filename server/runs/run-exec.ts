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
  // Engines before API 1.42 start a TTY exec at 0x0: set the pane's size here, before the command
  // (one stty, instead of waiting for the server's resize call to land).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion in the script, not a template
  '[ -n "${RDN_COLS-}" ] && stty cols "$RDN_COLS" rows "$RDN_ROWS" 2>/dev/null',
  '__rdn_c=$RDN_COMMAND; unset RDN_COMMAND RDN_RUN_ID RDN_COLS RDN_ROWS',
  'eval "$__rdn_c"',
].join('\n');

/** The exec of one run: bash in the workspace, with a TTY of the pane's size. */
export function runExecOptions(runId: string, command: string, size?: { cols: number; rows: number }, env: string[] = []): ExecOptions {
  return {
    cmd: ['/bin/bash', '-c', WRAPPER],
    env: [
      ...env,
      `RDN_RUN_ID=${runId}`,
      `RDN_COMMAND=${command}`,
      'TERM=xterm-256color',
      'COLORTERM=truecolor',
      ...(size ? [`RDN_COLS=${size.cols}`, `RDN_ROWS=${size.rows}`] : []),
    ],
    tty: true,
    stdin: true,
    ...(size ? { cols: size.cols, rows: size.rows } : {}),
  };
}

/**
 * Stops a run in one helper exec: SIGINT to every process of the run's session, then, for as long as
 * the grace lasts, a look every 20 ms whether any is left, and SIGKILL to what is. One exec, not one per
 * signal: on a loaded host each exec costs a round trip to the engine, longer than the grace itself.
 * The pid file is the reader's to write, so only digits are believed.
 */
export function stopRunCommand(runId: string, graceMs: number): string[] {
  const file = runPidFile(runId);
  const looks = Math.max(1, Math.ceil(graceMs / 20));
  // A run stopped just as it starts may not have written its pid yet: wait a moment for it. The wait
  // stays in this one helper rather than retryUntil around several: at the pids limit a second
  // helper may not start at all.
  return [
    '/bin/bash',
    '-c',
    `for i in {1..40}; do [ -f ${file} ] && break; /usr/bin/sleep 0.05; done; ` +
      `p=$(/usr/bin/head -c 20 ${file} 2>/dev/null); case $p in ''|*[!0-9]*) exit 0;; esac; /usr/bin/pkill -INT -s "$p" || exit 0; ` +
      `for ((i = 0; i < ${looks}; i++)); do /usr/bin/sleep 0.02; /usr/bin/pgrep -s "$p" >/dev/null || exit 0; done; ` +
      `/usr/bin/pkill -KILL -s "$p"; true`,
  ];
}
