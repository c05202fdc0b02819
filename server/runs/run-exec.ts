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
 * `rdn_int_ignored <session>`: true when the processes of the run's session still there (zombies aside)
 * all ignore SIGINT, the run's shell aside when others are left (it only waits for them: bash catches
 * INT while it waits for a child, so its own mask says nothing). Reads /proc with builtins only.
 */
const INT_IGNORED_FUNCTION = [
  'rdn_int_ignored() { local d l a s k v lead=0 other=0;',
  `for d in /proc/[0-9]*; do read -r l 2>/dev/null <"$d/stat" || continue; a=(\${l##*\\) });`,
  `[ "\${a[3]}" = "$1" ] && [ "\${a[0]}" != Z ] || continue; s=;`,
  'while read -r k v; do [ "$k" = SigIgn: ] && { s=$v; break; }; done 2>/dev/null <"$d/status"; [ -n "$s" ] || continue;',
  `if [ "\${d#/proc/}" = "$1" ]; then (( 0x$s & 2 )) && lead=1 || lead=2; else (( 0x$s & 2 )) || return 1; other=1; fi; done;`,
  '(( other || lead == 1 )); }',
].join(' ');
/**
 * The stop of one run, as a bash function `rdn_stop_run <run id> <grace ms>`: SIGINT to the run's
 * process group and session, then, until the grace is over, a look every 20 ms whether its group is
 * empty, and SIGKILL to the group and the session if not. The grace is for a program that handles
 * SIGINT (a clean-up): when every process left ignores it (`trap '' INT`, a background job), nothing
 * will use the grace, so SIGKILL goes at once (rdn_int_ignored). The group's signals and looks are bash
 * builtins (a TTY exec leads its own session and group): on a loaded host every fork counts. The pid
 * file is the reader's to write, so only a plain number above 1 is believed (`kill -- -1` would signal
 * every process of the sandbox's user). A run stopped just as it starts may not
 * have written its pid yet: it waits a moment for it, in this one helper rather than retryUntil around
 * several, since at the pids limit a second helper may not start at all.
 */
/** Microseconds since the epoch, from a bash variable (no `date` fork). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion in the script, not a template
const NOW_US = '${EPOCHREALTIME/./}';
const STOP_FUNCTION =
  `${INT_IGNORED_FUNCTION}; ` +
  'rdn_stop_run() { local f=/run/rdn/runs/$1.pid p= i end n=0; ' +
  'for i in {1..40}; do [ -f "$f" ] && break; /usr/bin/sleep 0.05; done; ' +
  'read -r -n 20 p <"$f" 2>/dev/null; case $p in \'\'|*[!0-9]*|0*|1) return 0;; esac; ' +
  'kill -INT -- "-$p" 2>/dev/null; /usr/bin/pkill -INT -s "$p" || return 0; ' +
  `end=$(( ${NOW_US} + $2 * 1000 )); ` +
  // The first look and every fifth one ask whether the grace can serve anyone (a look at /proc is dearer than kill -0).
  `while (( ${NOW_US} < end )); do kill -0 -- "-$p" 2>/dev/null || return 0; (( n++ % 5 )) || ! rdn_int_ignored "$p" || break; /usr/bin/sleep 0.02; done; ` +
  'kill -KILL -- "-$p" 2>/dev/null; /usr/bin/pkill -KILL -s "$p"; true; }';

const RUN_ID = /^[A-Za-z0-9-]{1,64}$/;
const graceOf = (graceMs: number) => Math.max(0, Math.round(graceMs));

/** Stops a run in one helper exec (the fallback when the sandbox's stop channel is not open). */
export function stopRunCommand(runId: string, graceMs: number): string[] {
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${runId}`);
  return ['/bin/bash', '-c', `${STOP_FUNCTION}; rdn_stop_run ${runId} ${graceOf(graceMs)}`];
}

/**
 * The stop channel: a helper exec that stays open for the sandbox's life and stops each run whose line
 * (`<run id> <grace ms>`) it reads on stdin, each in a subshell of its own. Stop then costs no round trip
 * to the engine for a new exec, which on a loaded host takes longer than the grace itself. Lines that
 * are not an id and a number are ignored. `$0` names it in `ps`.
 */
export const STOP_CHANNEL_COMMAND = [
  '/bin/bash',
  '-c',
  `${STOP_FUNCTION}; while read -r id grace; do ` +
    "case $id in ''|*[!A-Za-z0-9-]*) continue;; esac; case $grace in ''|*[!0-9]*) continue;; esac; " +
    '(rdn_stop_run "$id" "$grace") & done',
  'rdn-stop-channel',
];

/** The line that asks the stop channel to stop a run. */
export function stopChannelLine(runId: string, graceMs: number): string {
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${runId}`);
  return `${runId} ${graceOf(graceMs)}\n`;
}
