/** A placeholder in a shell block: `<container_id>`, `<image_id>`, `<username>`, ... */
export const PLACEHOLDER = /<([a-z][a-z0-9_]{1,30})>/g;

/** The distinct placeholder names in a command, in order of appearance. */
export function placeholderNames(command: string): string[] {
  return [...new Set([...command.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
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
