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
  // On the way out, the state is saved even while Stop is ending the run: `__rdn_out` is set in the
  // same command that reads the exit code, the pid file says "leaving", then INT is ignored (by what
  // it forks too), so no INT can cut the save short, and Stop waits for it (rdn_scan). In that
  // order: a shell that ignores INT and is not leaving is one Stop kills at once. The pid file stays
  // while the run left processes in its session: Stop must still find them. That look and the rm are
  // done in the background, away from the terminal (and deaf to the HUP the terminal sends its group
  // when the shell exits): the run ends once the state is saved.
  // The traps run after the block, with its functions and aliases: every command in them is a builtin
  // or `command`, so a reader's own echo, rm or type (a wrapper, an alias) cannot change them.
  'trap \'__rdn_rc=$? __rdn_out=1 __rdn_job=$!; builtin echo "$$ leaving" >|"$__rdn_p"; builtin trap "" INT HUP; builtin type __rdn_save_state >/dev/null 2>&1 && __rdn_save_state; { builtin type __rdn_others_in_session >/dev/null 2>&1 && __rdn_others_in_session $$ $BASHPID || command rm -f "$__rdn_p"; __rdn_prune_states; } </dev/null >/dev/null 2>&1 & __rdn_let_job_start "$__rdn_job"; builtin exit $__rdn_rc\' EXIT',
  // Stop's Ctrl-C ends the block once its foreground job has ended (bash runs a trap then), with the
  // job's signal status or 130. A trap rather than bash's own death by SIGINT: the handler marks the way
  // out before it exits, so an INT that lands later (a second Ctrl-C, one late through a loaded host)
  // finds `__rdn_out` set and does nothing, where bash's default would end the shell mid-save.
  // Children get the default INT back (a trap, unlike an ignored signal, is not inherited).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion in the script, not a template
  "trap '__rdn_irc=$?; [[ -n ${__rdn_out-} ]] || { __rdn_out=1; builtin exit $(( __rdn_irc > 128 ? __rdn_irc : 130 )); }' INT",
  'shopt -s expand_aliases',
  // Sourced at the top level, not in a function: there `declare` would make the variables local.
  'type __rdn_pick_state >/dev/null 2>&1 && __rdn_pick_state && . "$__rdn_sf"; unset __rdn_all',
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
 * `rdn_scan <session> [pid file]`: one pass over /proc with builtins only (no fork: on a loaded host
 * each fork counts). It lists every process of the run's session but the run's shell in `__rdn_others`,
 * and sets `__rdn_left` (how many live ones, zombies aside), `__rdn_lead` (the run's shell: 0 gone, 1
 * ignores SIGINT, 2 catches it, as it does unless the block said otherwise), `__rdn_lead_cpu` (its CPU
 * time so far, in clock ticks) and `__rdn_deaf` (1 when the grace can serve none of them: every one left
 * but the shell ignores SIGINT, or the shell alone is left and ignores it). `__rdn_leaving`: the run's
 * shell is still there but its pid file says it is on its way out, or is gone (it ignores INT while it
 * saves the state, and removes the file last): never deaf then. `rdn_signal <signal>` sends a signal
 * to the processes listed; the caller does it after the pass, and skips SIGKILL while the shell is
 * leaving: what it forks on its way out (the look for what the run left, in the background) comes after
 * it said so, so is never listed.
 */
const SCAN_FUNCTION = [
  'rdn_scan() { local d l a s k v w; __rdn_others=(); __rdn_left=0; __rdn_deaf=1; __rdn_leaving=0; __rdn_lead=0; __rdn_lead_cpu=0;',
  `for d in /proc/[0-9]*; do read -r l 2>/dev/null <"$d/stat" || continue; a=(\${l##*\\) });`,
  `[ "\${a[3]}" = "$1" ] && [ "\${a[0]}" != Z ] || continue; (( __rdn_left++ ));`,
  // Fields 14 and 15 of stat: user and system time.
  `if [ "\${d#/proc/}" = "$1" ]; then __rdn_lead=2 __rdn_lead_cpu=$(( a[11] + a[12] )); else __rdn_others+=("\${d#/proc/}"); (( __rdn_deaf )) || continue; fi; s=;`,
  'while read -r k v; do [ "$k" = SigIgn: ] && { s=$v; break; }; done 2>/dev/null <"$d/status"; [ -n "$s" ] || continue;',
  `if [ "\${d#/proc/}" = "$1" ]; then (( 0x$s & 2 )) && __rdn_lead=1; else (( 0x$s & 2 )) || __rdn_deaf=0; fi; done;`,
  `(( __rdn_deaf && (\${#__rdn_others[@]} || __rdn_lead == 1) )) || __rdn_deaf=0;`,
  // Read after the pass: whatever of the shell's way out the pass saw, its pid file says so by now.
  '(( __rdn_lead )) && [ -n "$2" ] && { [ -e "$2" ] || __rdn_leaving=1; read -r -n 40 l w <"$2" 2>/dev/null && [ "$w" = leaving ] && __rdn_leaving=1; };',
  '(( __rdn_leaving )) && __rdn_deaf=0; true; };',
  `rdn_signal() { (( \${#__rdn_others[@]} )) && kill -"$1" "\${__rdn_others[@]}" 2>/dev/null; true; }`,
].join(' ');
/**
 * The stop of one run, as a bash function `rdn_stop_run <run id> <grace ms>`: SIGINT to every process
 * of the run's session but its shell, which has its INT from the Ctrl-C the server typed into the run's
 * terminal; then, until the grace is over, a look every 20 ms whether anything of its session is left.
 * The grace is for a program that handles SIGINT (a clean-up): when every process left ignores it
 * (`trap '' INT`, a background job), nothing will use the grace, so it ends at once. Then SIGKILL to
 * what is left, the run's shell last when it catches INT (it saves the state on its way out, see
 * RUN_PROLOGUE). Signals, looks and waits are bash builtins (a TTY exec leads its own session and group;
 * `read -t` on a pipe nobody writes is a sleep without a fork). The pid file is the reader's to write,
 * so only a plain number above 1 is believed (`kill -- -1` would signal every process of the sandbox's
 * user). A run stopped just as it starts may not have written its pid yet: it waits a moment for it, in
 * this one helper rather than retryUntil around several, since at the pids limit a second helper may
 * not start at all.
 */
/** Microseconds since the epoch, from a bash variable (no `date` fork). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion in the script, not a template
const NOW_US = '${EPOCHREALTIME/./}';
/**
 * How long Stop waits for a run's shell that is on its way out (saving the state), when that is longer
 * than the grace: the save is the server's own work (builtins only), which on a loaded host
 * can take longer than the grace a reader's program gets.
 */
const SAVE_GRACE_MS = 5000;
const STOP_FUNCTION =
  `${SCAN_FUNCTION}; ` +
  // A pipe held open at both ends: `read -t` on it waits its full time. Made once per channel (or helper).
  'exec {__rdn_nap}<> <(:); rdn_nap() { read -r -t "$1" -u "$__rdn_nap" 2>/dev/null; (( $? > 128 )) || /usr/bin/sleep "$1"; }; ' +
  'rdn_stop_run() { local f=/run/rdn/runs/$1.pid p= i end saved cpu; ' +
  'for i in {1..40}; do [ -f "$f" ] && break; rdn_nap 0.05; done; ' +
  'read -r -n 40 p _ <"$f" 2>/dev/null; case $p in \'\'|*[!0-9]*|0*|1) return 0;; esac; ' +
  'rdn_scan "$p" "$f"; rdn_signal INT; (( __rdn_left )) || return 0; ' +
  `end=$(( ${NOW_US} + $2 * 1000 )); saved=$(( ${NOW_US} + ${SAVE_GRACE_MS} * 1000 )); (( saved > end )) || saved=$end; ` +
  // Each look is a pass over /proc, not `kill -0` on the group: that counts zombies not yet reaped, and
  // misses a job in a process group of its own.
  `while (( ! __rdn_deaf && ${NOW_US} < (__rdn_leaving ? saved : end) )); do rdn_nap 0.02; rdn_scan "$p" "$f"; (( __rdn_left )) || return 0; done; ` +
  // The grace is over. A shell that catches INT leaves on its own once what it waits for is gone (a
  // program in raw mode never saw the Ctrl-C: the shell gets its INT now): SIGKILL to the rest, and the
  // shell gets the save's time, unless it spends it working, not leaving (a loop whose own INT trap goes
  // on): 3 ticks of its CPU, where the way out takes a fraction of one, however loaded the host.
  // The KILL goes to what the last pass listed, with no pass between (it is on the way to the run's
  // end): that pass saw the shell not leaving, so none of its way out (forked after it says so) is listed.
  'if (( __rdn_lead == 2 && ! __rdn_leaving )); then kill -INT "$p" 2>/dev/null; rdn_signal KILL; cpu=$__rdn_lead_cpu; ' +
  `while (( __rdn_lead && ${NOW_US} < saved && (__rdn_leaving || __rdn_lead_cpu - cpu < 3) )); do rdn_nap 0.02; rdn_scan "$p" "$f"; (( __rdn_left )) || return 0; done; fi; ` +
  'kill -KILL -- "-$p" 2>/dev/null; rdn_scan "$p"; rdn_signal KILL; true; }';

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
