import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** A folder's `_section.json`: the sidebar group's title and its place among the groups. */
const sectionSchema = z.object({ title: z.string().min(1), order: z.number().default(100) }).strict();

/** A sidebar group: a folder under docs/ (the top-level pages are the group with folder ''). */
export interface Section {
  folder: string;
  title: string;
  order: number;
}

const docsDir = path.resolve('docs');

/** Title-cases a folder name as the fallback title: `team-runbooks` -> `Team runbooks`. */
function titleOf(folder: string): string {
  const name = folder.split('/').at(-1) ?? folder;
  const words = name.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The section of a folder under docs/. Top-level pages come first (order -Infinity); a folder
 * without `_section.json` is titled after its name, at order 100. A malformed file fails the build.
 */
export function sectionOf(folder: string): Section {
  if (!folder) return { folder, title: '', order: -Infinity };
  const file = path.join(docsDir, folder, '_section.json');
  if (!fs.existsSync(file)) return { folder, title: titleOf(folder), order: 100 };
  const text = fs.readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // Node says where: "... at position 21 (line 1 column 22)"; older messages give the position only.
    const message = (e as Error).message;
    const at = /line (\d+)/.exec(message)?.[1] ?? lineAt(text, Number(/position (\d+)/.exec(message)?.[1] ?? -1));
    throw new Error(
      `docs/${folder}/_section.json${at ? `:${at}` : ''}: not valid JSON: ${message}\n  Hint: write {"title": "Runbooks", "order": 20} (double quotes around names and text, no trailing comma), or remove the file to title the section after its folder.`,
    );
  }
  const parsed = sectionSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `docs/${folder}/_section.json: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}\n  Hint: write {"title": "Runbooks", "order": 20}`,
    );
  }
  return { folder, ...parsed.data };
}

/** The 1-based line of a character position, or undefined when there is none. */
function lineAt(text: string, position: number): number | undefined {
  return position < 0 ? undefined : text.slice(0, position).split('\n').length;
}

/** The folder of a page id (`runbooks/deploy` -> `runbooks`; `introduction` -> ''). */
export function folderOf(id: string): string {
  const i = id.lastIndexOf('/');
  return i < 0 ? '' : id.slice(0, i);
}
