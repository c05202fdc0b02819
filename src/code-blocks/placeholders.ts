import { unquotedShell } from './shell-syntax.ts';

/** A placeholder in a shell block: `<container_id>`, `<image_id>`, `<username>`, ... */
export const PLACEHOLDER = /<([a-z][a-z0-9_]{1,30})>/g;

/** The distinct placeholder names in a command, in order of appearance. */
export function placeholderNames(command: string): string[] {
  return [...new Set([...command.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** A placeholder's name on its own: lower-case letters, digits and _, 2 to 31 long. */
const PLACEHOLDER_NAME = /^[a-z][a-z0-9_]{1,30}$/;

/** A `<Word>` or `<word-word>` that is not a placeholder; `suggestion` is the name to write instead, when there is one. */
export interface MisspelledPlaceholder {
  token: string;
  suggestion: string | undefined;
}

/**
 * Tokens of a command that look like placeholders but are not `<lower_snake>` (`<CONTAINER_ID>`,
 * `<container-id>`) and that bash reads as redirections: unquoted shell code only. Not flagged:
 * `<<`, `<<<`, `<(`, a redirection with a space or a path (`< file`, `<in.txt`), quoted text ('...',
 * "...", $'...') and escaped `\<`, here-document bodies, comments, arithmetic (`$((1<<2))`) and
 * `${...}`, none of which bash fails on.
 */
export function misspelledPlaceholders(command: string): MisspelledPlaceholder[] {
  const found = new Map<string, MisspelledPlaceholder>();
  for (const m of unquotedShell(command).matchAll(/(?<!<)<([A-Za-z][\w-]*)>/g)) {
    if (PLACEHOLDER_NAME.test(m[1]!) || found.has(m[0])) continue;
    const name = m[1]!
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .replace(/-+/g, '_');
    found.set(m[0], { token: m[0], suggestion: PLACEHOLDER_NAME.test(name) ? name : undefined });
  }
  return [...found.values()];
}

/** Values typed into placeholders: letters, digits and the punctuation of ids, names and tags. */
export const PLACEHOLDER_VALUE = /^[\w.:/@-]{1,200}$/;

/**
 * Fills a command's placeholders; reports the names still empty (the block must not run then)
 * and those whose value is not an id, a name or a tag.
 */
export function fillPlaceholders(
  command: string,
  values: Record<string, string | undefined>,
): { command: string; missing: string[]; invalid: string[] } {
  const missing: string[] = [];
  const invalid: string[] = [];
  for (const name of placeholderNames(command)) {
    const v = values[name]?.trim();
    if (!v) missing.push(name);
    else if (!PLACEHOLDER_VALUE.test(v)) invalid.push(name);
  }
  const filled = command.replace(PLACEHOLDER, (all, name: string) => values[name]?.trim() || all);
  return { command: filled, missing, invalid };
}
