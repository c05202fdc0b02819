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
  const parsed = sectionSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `docs/${folder}/_section.json: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}\n  Hint: write {"title": "Runbooks", "order": 20}`,
    );
  }
  return { folder, ...parsed.data };
}

/** The folder of a page id (`runbooks/deploy` -> `runbooks`; `introduction` -> ''). */
export function folderOf(id: string): string {
  const i = id.lastIndexOf('/');
  return i < 0 ? '' : id.slice(0, i);
}
