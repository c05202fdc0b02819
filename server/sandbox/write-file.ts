import { WorkspaceConflictError } from '../domain-errors.ts';
import { WORKSPACE } from './sandbox-template.ts';

/** The write-file helper's exit status when the workspace is in the way; its output is then the reason and the path. */
export const WORKSPACE_CONFLICT = 3;

/**
 * The file block's helper: it looks first at what is in the way (the reader's own doing, so a
 * conflict and not a server error) and says which of the four cases and where; then it writes.
 */
export const WRITE_FILE = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion, not a template
  'f=$1; d=${f%/*}; p=$d',
  `in_way() { printf '%s\\n%s' "$1" "$2"; exit ${WORKSPACE_CONFLICT}; }`,
  '[ -d "$f" ] && in_way folder "$f"',
  // The nearest thing on the way down that exists must be a folder (a link to one will do).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion, not a template
  'while [ -n "$p" ] && [ ! -e "$p" ] && [ ! -L "$p" ]; do p=${p%/*}; done',
  '[ -z "$p" ] || [ -d "$p" ] || in_way not-a-folder "$p"',
  '/usr/bin/mkdir -p -- "$d" 2>/dev/null || in_way folder-not-writable "$p"',
  'if [ -e "$f" ]; then [ -w "$f" ] || in_way not-writable "$f"; else [ -w "$d" ] || in_way folder-not-writable "$d"; fi',
  '/usr/bin/cat >"$f"',
].join('\n');

/** The reader's words for what the helper found in the way of `file` (its output: the case, then the path). */
export function workspaceConflict(file: string, output: string): WorkspaceConflictError {
  const [reason, reported = ''] = output.split('\n');
  // The path the helper names is one of `file`'s own folders, or the file: anything else is not trusted.
  const where = reported.startsWith(WORKSPACE) && (reported === file || file.startsWith(`${reported}/`)) ? reported : file;
  const again = 'then run the block again (or Restart session for a clean sandbox).';
  switch (reason) {
    case 'folder':
      return new WorkspaceConflictError(
        `${file} is a folder in your sandbox, so this file block cannot be written there. Remove it (rm -r ${file}) or rename it, ${again}`,
      );
    case 'not-a-folder':
      return new WorkspaceConflictError(
        `Cannot write ${file}: ${where} is not a folder (a file or a link). Remove it (rm ${where}) or rename it, ${again}`,
      );
    case 'not-writable':
      return new WorkspaceConflictError(
        `Cannot write ${file}: the file is not writable. Make it writable (chmod u+w ${file}) or remove it, ${again}`,
      );
    default:
      return new WorkspaceConflictError(`Cannot write ${file}: the folder ${where} is not writable. Make it writable (chmod u+w ${where}), ${again}`);
  }
}
