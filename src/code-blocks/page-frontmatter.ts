import fs from 'node:fs';
import { parseFrontmatter } from '@astrojs/internal-helpers/frontmatter';
import { z } from 'zod';
import type { MisspelledPlaceholder } from './placeholders.ts';

/**
 * A placeholder a page declares in its frontmatter. `test` is what docs:test types in;
 * `$REGISTRY_USER` there stands for the user name of the site registry's account.
 */
export const placeholderSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]{1,30}$/, 'a placeholder name is lower-case letters, digits and _, 2 to 31 long'),
  description: z.string().min(1),
  example: z.string().min(1),
  test: z.string().min(1),
});

export type PlaceholderDeclaration = z.infer<typeof placeholderSchema>;

/** The frontmatter field: a list of declarations. */
export const placeholdersSchema = z.array(placeholderSchema).default([]);

/** A page's own run timeout: seconds, for each block that sets none (Run and docs:test). */
export const pageTimeoutSchema = z.number().int().min(1).max(3600).optional();

/**
 * A page's `catchUp`: a script that leaves the sandbox as the previous pages would, so a reader who
 * arrives late (or whose sandbox was reset) can start at this page. Run by the server, never shown.
 */
export const catchUpSchema = z.string().trim().min(1, 'catchUp is a shell script: what the previous pages leave behind').optional();

const cache = new Map<string, { mtimeMs: number; frontmatter: Record<string, unknown> }>();

/** A page's frontmatter, read from its source file (the Run plugin sees only the block). */
function frontmatterOf(sourceFile: string | undefined): Record<string, unknown> {
  if (!sourceFile || !fs.existsSync(sourceFile)) return {};
  const { mtimeMs } = fs.statSync(sourceFile);
  const hit = cache.get(sourceFile);
  if (hit?.mtimeMs === mtimeMs) return hit.frontmatter;
  const { frontmatter } = parseFrontmatter(fs.readFileSync(sourceFile, 'utf8'));
  cache.set(sourceFile, { mtimeMs, frontmatter });
  return frontmatter;
}

/** The page's `catchUp` script, when it declares a valid one. */
export function pageCatchUp(sourceFile: string | undefined): string | undefined {
  const parsed = catchUpSchema.safeParse(frontmatterOf(sourceFile).catchUp);
  return parsed.success ? parsed.data : undefined;
}

/** The page's `timeout` in seconds, when it sets a valid one. */
export function pageTimeout(sourceFile: string | undefined): number | undefined {
  const parsed = pageTimeoutSchema.safeParse(frontmatterOf(sourceFile).timeout);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The placeholders a page declares. Malformed declarations are left to the content schema,
 * which reports them with the page's name.
 */
export function declaredPlaceholders(sourceFile: string | undefined): PlaceholderDeclaration[] {
  const parsed = placeholdersSchema.safeParse(frontmatterOf(sourceFile).placeholders);
  return parsed.success ? parsed.data : [];
}

/** The frontmatter to add for an undeclared placeholder: the fix an author copies. */
export function declarationHint(name: string): string {
  return `declare it in the page's frontmatter:\nplaceholders:\n  - name: ${name}\n    description: what the reader types here\n    example: an example value\n    test: the value docs:test types in`;
}

/** What to write instead of a `<Word>` that is not a placeholder: the placeholder form, or shell that bash reads as meant. */
export function misspelledHint({ token, suggestion }: MisspelledPlaceholder): string {
  const name = suggestion ?? 'container_id';
  return `A placeholder is <lower_snake> (lower-case letters, digits and _, 2 to 31 long): ${suggestion ? `write <${name}>` : `write a name such as <${name}>`}, and ${declarationHint(name)}\n  If ${token} is meant as shell, write a redirection with a space (< file > out), or quote literal text ('${token}' or "${token}").`;
}
