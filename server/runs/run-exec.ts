import type { ExecOptions } from '../sandbox/sandbox.ts';

/** Where a run's shell records its pid (its session id, since a TTY exec starts a new session). */
export const runPidFile = (runId: string) => `/run/rdn/runs/${runId}.pid`;

/**
 * The shell that wraps every command: it records its pid so Stop can signal the whole process
 * session, then evaluates the command. The command travels in the environment, never in argv.
 */
const WRAPPER = [
  'p=/run/rdn/runs/$RDN_RUN_ID.pid; mkdir -p /run/rdn/runs; echo $$ >"$p"; trap \'rm -f "$p"\' EXIT',
  // Engines before API 1.42 start a TTY exec at 0x0 and the server resizes it just after: wait for that.
  'i=0; while [ "$(stty size 2>/dev/null)" = "0 0" ] && [ $i -lt 100 ]; do sleep 0.01; i=$((i+1)); done',
  'c=$RDN_COMMAND; unset RDN_COMMAND RDN_RUN_ID',
  'eval "$c"',
].join('\n');

/** The exec of one run: a login-like bash in the workspace, with a TTY of the pane's size. */
export function runExecOptions(runId: string, command: string, size?: { cols: number; rows: number }): ExecOptions {
  return {
    cmd: ['bash', '-c', WRAPPER],
    env: [
      `RDN_RUN_ID=${runId}`,
      `RDN_COMMAND=${command}`,
      'TERM=xterm-256color',
      'COLORTERM=truecolor',
    ],
    tty: true,
    stdin: true,
    ...(size ? { cols: size.cols, rows: size.rows } : {}),
  };
}

/** Signals every process of a run's session (SIGINT first, SIGKILL after the grace). */
export function signalRunCommand(runId: string, signal: 'INT' | 'KILL'): string[] {
  const file = runPidFile(runId);
  return ['bash', '-c', `[ -f ${file} ] && pkill -${signal} -s "$(cat ${file})"; true`];
}
