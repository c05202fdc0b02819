import fs from 'node:fs';
import path from 'node:path';
import { parseFrontmatter } from '@astrojs/internal-helpers/frontmatter';

/** A file or folder under docs/ whose name would not be its page's URL, and the name to give it. */
export interface MisnamedPath {
  /** Relative to the project, e.g. `docs/Team Runbooks`. */
  path: string;
  kind: 'folder' | 'page';
  rename: string;
  /** `slug:` in the page's frontmatter (the name may be fine). */
  slugField?: boolean;
}

/** A name that is its own URL slug: Astro lower-cases names and drops dots and spaces, and every tool here takes the name as it is. */
const SLUG = /^[a-z0-9-]+$/;

/** The name to rename to: accents dropped, lower case, every run of other characters one `-`. */
export function slugName(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'page'
  );
}

/**
 * Every page file and folder of pages under `root`/docs whose name is not its own slug. Astro
 * serves `docs/Team Runbooks/Deploy.mdx` at `/team-runbooks/deploy/` and `k8s-1.29-upgrade.mdx`
 * at `/k8s-129-upgrade/`, while links, sections, workshop.json and docs:test take the id to be
 * the path: such a name is refused, with the name to use. So is `slug:` in a page's frontmatter.
 */
export function misnamedPaths(root: string): MisnamedPath[] {
  const docs = path.join(root, 'docs');
  const found = new Map<string, MisnamedPath>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      // Hidden files and folders are not pages (the glob loader skips them too).
      if (e.name.startsWith('.')) continue;
      const abs = path.join(dir, e.name);
      const rel = path.relative(root, abs).split(path.sep).join('/');
      if (e.isDirectory()) {
        // Only a folder that holds pages names URLs.
        if (!SLUG.test(e.name) && hasPages(abs)) found.set(rel, { path: rel, kind: 'folder', rename: slugName(e.name) });
        walk(abs);
      } else if (/\.mdx?$/.test(e.name)) {
        const stem = e.name.replace(/\.mdx?$/, '');
        const slugField = hasSlugField(abs);
        if (!SLUG.test(stem) || slugField)
          found.set(rel, { path: rel, kind: 'page', rename: `${slugName(stem)}${e.name.slice(stem.length)}`, ...(slugField ? { slugField } : {}) });
      }
    }
  };
  if (!fs.existsSync(docs)) return [];
  walk(docs);
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

function hasPages(dir: string): boolean {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .some((e) => !e.name.startsWith('.') && (e.isDirectory() ? hasPages(path.join(dir, e.name)) : /\.mdx?$/.test(e.name)));
}

/** Whether the page sets `slug:` (Astro would take it as the page's id); a frontmatter that does not parse is the content schema's to report. */
function hasSlugField(file: string): boolean {
  try {
    return parseFrontmatter(fs.readFileSync(file, 'utf8')).frontmatter.slug !== undefined;
  } catch {
    return false;
  }
}

/** The build error: each path, why, and the name to rename it to. */
export function misnamedMessage(paths: MisnamedPath[]): string {
  return paths
    .map((p) =>
      p.slugField
        ? `${p.path}: \`slug:\` in the frontmatter is not supported\n  Hint: remove it; a page's URL is its path under docs/ (rename the file to change it).`
        : `${p.path}: a ${p.kind === 'folder' ? 'folder' : 'page file'} name under docs/ is part of the URL and must be lower-case letters, digits and - only\n  Hint: rename it to ${path.posix.join(path.posix.dirname(p.path), p.rename)} (links, sections, workshop.json and docs:test use the name as it is).`,
    )
    .join('\n');
}
