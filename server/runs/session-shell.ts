import type { SandboxFile } from '../sandbox/tar-files.ts';

/** \`\${!A*} \${!B*} ... \${!_*}\`: the names of the shell's variables, by every character a name can start with. */
const VARIABLE_NAMES = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_'].map((c) => `\${!${c}*}`).join(' ');

/**
 * The shell side of "state carries between blocks like a kernel": every run loads the session's
 * state (working directory, exported variables, functions, aliases) before the command and saves
 * it after; the free terminal saves it after every command. Concurrent runs: the last to end wins.
 * Each save is a new file in /run/rdn/state, named by the time it began and ended by a mark line;
 * a load takes the newest file that has its mark. So a save needs no rename (a fork of mv, which on
 * a loaded host is most of a stopped run's way out), and a run that loads meanwhile never sees half
 * of one.
 */
const LIB = `# Installed by the notes server into every sandbox. Session state shared by runs and the terminal.
# These functions run amid the reader's own functions, which bash looks up before its builtins: every
# command in them is a builtin or \`command\`, so a reader's echo or printf wrapper changes nothing.
RDN_STATES=/run/rdn/state
# The state files, oldest first, into the caller's __rdn_all, whatever glob options the block set
# (they are the session's: a failglob or nullglob of the reader's must neither fail nor change this).
__rdn_list_states() {
  local __rdn_ng= __rdn_fg=
  builtin shopt -q nullglob && __rdn_ng=1
  builtin shopt -q failglob && __rdn_fg=1
  builtin shopt -s nullglob
  builtin shopt -u failglob
  __rdn_all=("$RDN_STATES"/[0-9]*.sh)
  [[ -n $__rdn_ng ]] || builtin shopt -u nullglob
  [[ -z $__rdn_fg ]] || builtin shopt -s failglob
}
# The newest whole state file into __rdn_sf, the files it looked at into __rdn_all, and its place among
# them into __rdn_si; fails when there is none. Builtins only. The caller sources it at the top level
# (in a function \`declare\` makes locals) and unsets __rdn_all, or makes the three its own locals.
__rdn_pick_state() {
  local - __rdn_l
  set +eu
  __rdn_sf= __rdn_si=-1
  __rdn_list_states
  for (( __rdn_si = \${#__rdn_all[@]} - 1; __rdn_si >= 0; __rdn_si-- )); do
    builtin mapfile -t __rdn_l 2>/dev/null <"\${__rdn_all[__rdn_si]}" || continue
    (( \${#__rdn_l[@]} )) && [ "\${__rdn_l[-1]}" = '# rdn-state-end' ] && { __rdn_sf=\${__rdn_all[__rdn_si]}; return 0; }
  done
  return 1
}
# Removes the state files older than the newest whole one, from the same listing the pick saw (never
# the files of saves still under way that began later). Forks an rm: called where nobody waits for it.
__rdn_prune_states() {
  local __rdn_sf __rdn_si __rdn_all
  __rdn_pick_state && (( __rdn_si > 0 )) && command rm -f -- "\${__rdn_all[@]:0:__rdn_si}"
}
# A new state file's name into __rdn_f: the time in microseconds, digits only (whatever the locale's
# decimal mark), fixed width until the year 2286, so names sort by time; past the newest name there
# is, should the clock have stepped back; the pid tells two saves of one microsecond apart.
__rdn_state_file() {
  local __rdn_t=\${EPOCHREALTIME//[!0-9]/} __rdn_all __rdn_newest=
  __rdn_list_states
  (( \${#__rdn_all[@]} )) && __rdn_newest=\${__rdn_all[-1]##*/} && __rdn_newest=\${__rdn_newest%%.*}
  [[ $__rdn_newest =~ ^[0-9]{16}$ ]] && (( 10#$__rdn_newest >= 10#$__rdn_t )) && __rdn_t=$(( 10#$__rdn_newest + 1 ))
  __rdn_f="$RDN_STATES/$__rdn_t.$$.sh"
}
# The names of the shell's functions into the array __rdn_fns, through the file $1 (builtins only: no fork).
__rdn_function_names() {
  builtin compgen -A function >|"$1" && builtin mapfile -t __rdn_fns <"$1"
}
# The state as a script; the functions saved are those named in the caller's __rdn_fns.
__rdn_state_text() {
  # Immune to the block's own shell options (set -u, set -e) and to a changed IFS.
  local - __rdn_n IFS=$' \\t\\n'
  set +eu
  # Glob options first: a saved function is parsed again when the state loads, under these options.
  builtin shopt -p extglob globstar nullglob dotglob nocaseglob nocasematch failglob
  # Every variable name, by its first character, and its export attribute: what \`compgen -e\` lists, without a fork.
  for __rdn_n in ${VARIABLE_NAMES}; do
    [[ \${!__rdn_n@a} == *x* ]] || continue
    case $__rdn_n in PWD|OLDPWD|SHLVL|_|RDN_*|TERM|COLORTERM|COLUMNS|LINES|HOSTNAME) ;; *) builtin declare -p "$__rdn_n" ;; esac
  done
  for __rdn_n in "\${__rdn_fns[@]}"; do
    case "$__rdn_n \${RDN_BASE_FUNCS-}" in __rdn_*) ;; *" $__rdn_n "*) ;; *) builtin declare -f "$__rdn_n" ;; esac
  done
  builtin alias -p
  # builtin: a reader's own cd (a function or an alias saved just above) must not run on every load.
  builtin printf 'builtin cd -- %q 2>/dev/null\\n' "$PWD"
}
# On a run's way out, often while Stop is ending it on a loaded host: builtins only. The new file
# holds the function names first (no mark yet: no load takes it), then the state and its mark.
__rdn_save_state() {
  local - __rdn_f __rdn_fns=()
  set +eu
  __rdn_state_file
  __rdn_function_names "$__rdn_f" && { __rdn_state_text; builtin echo '# rdn-state-end'; } >|"$__rdn_f" 2>/dev/null
}
# The job the block started last ($!, as \`$1\`) gets up to 200 ms to ignore SIGHUP while it is still
# the shell's copy or nohup: the shell's exit hangs up the terminal, whose SIGHUP to the shell's process
# group (the job's too) would kill \`nohup server &\` before it ignores it. Any other program, or one that
# ignores SIGHUP, needs no wait. The nap is a read of the run's own terminal, the one wait without a fork.
__rdn_let_job_start() {
  local l c s k v i
  [[ $1 =~ ^[0-9]+$ ]] || return 0
  for (( i = 0; i < 40; i++ )); do
    builtin read -r l 2>/dev/null <"/proc/$1/stat" || return 0
    c=\${l#*\\(}
    case \${c%\\)*} in bash|nohup) ;; *) return 0 ;; esac
    s=
    while builtin read -r k v; do [[ $k == SigIgn: ]] && { s=$v; break; }; done 2>/dev/null <"/proc/$1/status"
    [[ -n $s ]] && (( 0x$s & 1 )) && return 0
    builtin read -r -s -t 0.005 -n 1 l 2>/dev/null </dev/tty
  done
  return 0
}
# Whether a process other than $1 (and $2, the one asking) is left in the session $1 leads (zombies
# aside). A run's shell then keeps its pid file, so Stop still finds what the run left going (a job in
# a process group of its own).
__rdn_others_in_session() {
  local d l a
  for d in /proc/[0-9]*; do
    [ "\${d#/proc/}" = "$1" ] || [ "\${d#/proc/}" = "\${2-}" ] && continue
    builtin read -r l 2>/dev/null <"$d/stat" || continue
    a=(\${l##*\\) })
    [ "\${a[3]}" = "$1" ] && [ "\${a[0]}" != Z ] && return 0
  done
  return 1
}
# The terminal saves only when its own state changed, so an idle prompt never undoes a block's exports.
__rdn_save_if_changed() {
  local - __rdn_now __rdn_f __rdn_fns=()
  set +eu
  __rdn_function_names "$RDN_STATES/.functions.$$"
  __rdn_now=$(__rdn_state_text 2>/dev/null)
  [ "$__rdn_now" = "\${__rdn_last-}" ] && return 0
  __rdn_last=$__rdn_now
  __rdn_state_file
  builtin printf '%s\\n# rdn-state-end\\n' "$__rdn_now" >|"$__rdn_f" && __rdn_prune_states
}
`;

const TERMINAL_RC = `# rcfile of the free terminal: the usual bash start-up, then the session's state.
[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc
[ -f ~/.bashrc ] && . ~/.bashrc
. /run/rdn/lib.sh
RDN_BASE_FUNCS=" $(compgen -A function | tr '\\n' ' ') "
# Sourced at the top level, not in a function: there \`declare\` would make the variables local.
__rdn_pick_state && . "$__rdn_sf"
unset __rdn_all
__rdn_last=$(__rdn_function_names "$RDN_STATES/.functions.$$" && __rdn_state_text 2>/dev/null)
PROMPT_COMMAND="__rdn_save_if_changed\${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
`;

/** Files installed under /run/rdn when a sandbox is created. */
export const SESSION_SHELL_FILES: SandboxFile[] = [
  { path: 'lib.sh', content: LIB },
  { path: 'terminal-rc', content: TERMINAL_RC },
  { path: 'runs/.keep', content: '' },
  { path: 'state/.keep', content: '' },
];

export const SESSION_SHELL_DIR = '/run/rdn';

/** The command of the free terminal docked under every page. */
export const TERMINAL_COMMAND = 'exec bash --rcfile /run/rdn/terminal-rc -i';
