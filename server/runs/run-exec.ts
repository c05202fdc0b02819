import type { ExecOptions } from '../sandbox/sandbox.ts';

/** Where a run's shell records its pid (its session id, since a TTY exec starts a new session). */
export const runPidFile = (runId: string) => `/run/rdn/runs/${runId}.pid`;

/** A TTY needs a size from the start: a run that asks for none (a script's) gets the classic 80x24. */
export const DEFAULT_RUN_SIZE = { cols: 80, rows: 24 };

/** What every run's shell does once it knows its run id (in `$__rdn_id`): up to the command's start. */
const RUN_PROLOGUE = [
  // /run/rdn/runs is installed with the sandbox: no mkdir (a fork) on every run.
  '__rdn_p=/run/rdn/runs/$__rdn_id.pid; echo $$ >"$__rdn_p"',
  '[ -f /run/rdn/lib.sh ] && . /run/rdn/lib.sh',
  // The pid file stays while the run left processes in its session: Stop must still find them.
  'trap \'__rdn_rc=$?; type __rdn_save_state >/dev/null 2>&1 && __rdn_save_state; type __rdn_others_in_session >/dev/null 2>&1 && __rdn_others_in_session $$ || rm -f "$__rdn_p"; exit $__rdn_rc\' EXIT',
  'shopt -s expand_aliases',
  // Sourced at the top level, not in a function: there `declare` would make the variables local.
  '[ -f /run/rdn/state.sh ] && . /run/rdn/state.sh',
];

/**
 * The shell that wraps every command: it records its pid so Stop can signal the whole process
 * session, loads the session's state (session-shell.ts), evaluates the command, and saves the
 * state when it exits, keeping the command's exit code. The command travels in the environment,
 * never in argv or in container options.
 */
const WRAPPER = [
  '__rdn_id=$RDN_RUN_ID',
  ...RUN_PROLOGUE,
  // Engines before API 1.42 start a TTY exec at 0x0: set the pane's size here, before the command
  // (one stty, instead of waiting for the server's resize call to land).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion in the script, not a template
  '[ -n "${RDN_COLS-}" ] && stty cols "$RDN_COLS" rows "$RDN_ROWS" 2>/dev/null',
  '__rdn_c=$RDN_COMMAND; unset RDN_COMMAND RDN_RUN_ID RDN_COLS RDN_ROWS',
  'eval "$__rdn_c"',
].join('\n');

/** What a spare shell prints once it has read its command, just before running it (spare-shells.ts). */
export const SPARE_GO = Buffer.from('\x1b]rdn;go\x07');

/**
 * A spare shell: started ahead of a run, it waits on its terminal for the run's id and command,
 * then does what WRAPPER does, so a Run costs a write instead of an exec (the engine's exec is most
 * of a warm click). The command arrives as lines of printable ASCII (spareInput), which a terminal
 * in its usual mode passes on unchanged, and `printf %b` turns back into its bytes; an empty line
 * ends it. The terminal echoes those lines: SPARE_GO marks where the run's own output starts.
 */
const SPARE_WRAPPER = [
  'IFS= read -r __rdn_id || exit 0',
  "case $__rdn_id in ''|*[!A-Za-z0-9-]*) exit 0;; esac",
  '__rdn_e=; while IFS= read -r __rdn_l && [ -n "$__rdn_l" ]; do __rdn_e+=$__rdn_l; done',
  'printf -v __rdn_c %b "$__rdn_e"; unset __rdn_e __rdn_l',
  ...RUN_PROLOGUE,
  "printf '\\033]rdn;go\\007'",
  'eval "$__rdn_c"',
].join('\n');

/** Characters per line of a spare shell's input: well inside a terminal's line limit (4095). */
const SPARE_LINE = 512;

/**
 * What a spare shell reads to run `command` as run `runId`: the id, then the command's bytes with
 * every one outside printable ASCII (and the backslash) as `\xHH`, in lines, then an empty line.
 */
export function spareInput(runId: string, command: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${runId}`);
  const lines: string[] = [];
  let line = '';
  for (const byte of Buffer.from(command, 'utf8')) {
    const unit = byte >= 0x20 && byte <= 0x7e && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
    if (line.length + unit.length > SPARE_LINE) {
      lines.push(line);
      line = '';
    }
    line += unit;
  }
  if (line) lines.push(line);
  return `${runId}\n${lines.map((l) => `${l}\n`).join('')}\n`;
}

/** The exec of a spare shell: bash in the workspace, with a TTY (of the size the next run will likely want). */
export function spareExecOptions(size?: { cols: number; rows: number }, env: string[] = []): ExecOptions {
  return {
    cmd: ['/bin/bash', '-c', SPARE_WRAPPER],
    env: [...env, 'TERM=xterm-256color', 'COLORTERM=truecolor'],
    tty: true,
    stdin: true,
    ...(size ? { cols: size.cols, rows: size.rows } : {}),
  };
}

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
 * `rdn_scan <session> [signal]`: one pass over /proc with builtins only (no fork: on a loaded host each
 * fork counts). It sends `signal` to every process of the run's session outside its leading group (the
 * group itself is signalled at once with `kill -- -<pid>`), and sets `__rdn_left` (how many live ones,
 * zombies aside) and `__rdn_deaf` (1 when the grace can serve none of them: every one left ignores
 * SIGINT, the run's shell aside when others are left, since bash catches INT while it waits for a child,
 * so its own mask says nothing).
 */
const SCAN_FUNCTION = [
  'rdn_scan() { local d l a s k v lead=0 other=0; __rdn_left=0; __rdn_deaf=1;',
  `for d in /proc/[0-9]*; do read -r l 2>/dev/null <"$d/stat" || continue; a=(\${l##*\\) });`,
  `[ "\${a[3]}" = "$1" ] && [ "\${a[0]}" != Z ] || continue; (( __rdn_left++ ));`,
  `[ -n "\${2-}" ] && [ "\${a[2]}" != "$1" ] && kill -"$2" "\${d#/proc/}" 2>/dev/null;`,
  '(( __rdn_deaf )) || continue; s=;',
  'while read -r k v; do [ "$k" = SigIgn: ] && { s=$v; break; }; done 2>/dev/null <"$d/status"; [ -n "$s" ] || continue;',
  `if [ "\${d#/proc/}" = "$1" ]; then (( 0x$s & 2 )) && lead=1 || lead=2; else (( 0x$s & 2 )) || __rdn_deaf=0; other=1; fi; done;`,
  '(( __rdn_deaf && (other || lead == 1) )) || __rdn_deaf=0; }',
].join(' ');
/**
 * The stop of one run, as a bash function `rdn_stop_run <run id> <grace ms>`: SIGINT to the run's
 * process group and session, then, until the grace is over, a look every 20 ms whether anything of
 * its session is left, and SIGKILL to the group and the session if so. The grace is for a program that handles
 * SIGINT (a clean-up): when every process left ignores it (`trap '' INT`, a background job), nothing
 * will use the grace, so SIGKILL goes at once. Signals, looks and waits are bash builtins (a TTY exec
 * leads its own session and group; `read -t` on a pipe nobody writes is a sleep without a fork). The
 * pid file is the reader's to write, so only a plain number above 1 is believed (`kill -- -1` would
 * signal every process of the sandbox's user). A run stopped just as it starts may not have written its
 * pid yet: it waits a moment for it, in this one helper rather than retryUntil around several, since at
 * the pids limit a second helper may not start at all.
 */
/** Microseconds since the epoch, from a bash variable (no `date` fork). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion in the script, not a template
const NOW_US = '${EPOCHREALTIME/./}';
const STOP_FUNCTION =
  `${SCAN_FUNCTION}; ` +
  // A pipe held open at both ends: `read -t` on it waits its full time. Made once per channel (or helper).
  'exec {__rdn_nap}<> <(:); rdn_nap() { read -r -t "$1" -u "$__rdn_nap" 2>/dev/null; (( $? > 128 )) || /usr/bin/sleep "$1"; }; ' +
  'rdn_stop_run() { local f=/run/rdn/runs/$1.pid p= i end; ' +
  'for i in {1..40}; do [ -f "$f" ] && break; rdn_nap 0.05; done; ' +
  'read -r -n 20 p <"$f" 2>/dev/null; case $p in \'\'|*[!0-9]*|0*|1) return 0;; esac; ' +
  'kill -INT -- "-$p" 2>/dev/null; rdn_scan "$p" INT; (( __rdn_left )) || return 0; ' +
  `end=$(( ${NOW_US} + $2 * 1000 )); ` +
  // Each look is a pass over /proc, not `kill -0` on the group: that counts zombies not yet reaped, and
  // misses a job in a process group of its own.
  `while (( ! __rdn_deaf && ${NOW_US} < end )); do rdn_nap 0.02; rdn_scan "$p"; (( __rdn_left )) || return 0; done; ` +
  'kill -KILL -- "-$p" 2>/dev/null; rdn_scan "$p" KILL; true; }';

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
