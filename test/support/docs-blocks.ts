import fs from 'node:fs';
import path from 'node:path';
import { BLOCK_ATTRIBUTES, runBlockSettings, type RunBlockSettings } from '../../src/code-blocks/block-attributes.ts';

/** A block of a built page, as the page's own code sees it. */
export type PageBlock =
  | { kind: 'file'; path: string; content: string }
  | ({
      kind: 'run';
      /** Position among the page's runnable blocks (the recordings' key). */
      index: number;
    } & RunBlockSettings);

export interface BuiltPage {
  /** URL path, e.g. /creating-an-image/ */
  url: string;
  /** Recording file name stem, e.g. creating-an-image */
  slug: string;
  title: string;
  blocks: PageBlock[];
}

function decode(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/\s([\w-]+)(?:="([^"]*)")?/g)) out[m[1]!] = decode(m[2] ?? '');
  return out;
}

/** The blocks of one built page, in page order, read from the attributes the Run plugin rendered. */
export function blocksOfHtml(html: string): PageBlock[] {
  const blocks: PageBlock[] = [];
  let index = 0;
  // Attribute values may hold ">" (e.g. 2>/dev/null): match quoted values whole.
  for (const m of html.matchAll(/<figure\b(?:[^>"]|"[^"]*")*>/g)) {
    const a = attrs(m[0]);
    const file = a[BLOCK_ATTRIBUTES.file];
    const run = runBlockSettings((name) => a[name]);
    if (file !== undefined) blocks.push({ kind: 'file', path: file, content: a[BLOCK_ATTRIBUTES.fileContent] ?? '' });
    else if (run) blocks.push({ kind: 'run', index: index++, ...run });
  }
  return blocks;
}

/** Every page of the built site (dist/), in sidebar order. */
export function builtPages(siteDir: string): BuiltPage[] {
  const pages: Array<BuiltPage & { order: number }> = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      // Not pages of the notes: the build's assets, the handout (every page again) and the instructor's room.
      if (entry.isDirectory() && !['_astro', 'pagefind', 'recordings', 'handout', 'instructor'].includes(entry.name)) walk(p);
      else if (entry.name === 'index.html') {
        const html = fs.readFileSync(p, 'utf8');
        const rel = path.relative(siteDir, path.dirname(p)).split(path.sep).join('/');
        const nav = [...html.matchAll(/<a href="([^"]*)"[^>]*>/g)].map((x) => x[1]);
        pages.push({
          url: rel ? `/${rel}/` : '/',
          slug: rel ? rel.replace(/\//g, '__') : 'index',
          title: decode(/<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? rel),
          blocks: blocksOfHtml(html),
          order: nav.indexOf(rel ? `/${rel}/` : '/'),
        });
      }
    }
  };
  walk(siteDir);
  return pages.sort((a, b) => a.order - b.order).map(({ order: _o, ...p }) => p);
}

/**
 * The URL paths a docs:test argument names: a page (`docs/runbooks/deploy.mdx`) or a folder
 * (`docs/runbooks`), relative to the project or absolute, or a name under docs/ as a reader would
 * type it (`questions`, `runbooks/deploy`, `runbooks`) or its URL path (`/questions/`). A page's URL is its path under docs/.
 */
export function selectedUrls(arg: string, projectRoot: string): { url: string; folder: boolean } {
  const docs = path.join(projectRoot, 'docs');
  let target = path.resolve(projectRoot, arg);
  // Not a path under docs/ (a bare name, or a page's URL path such as /questions/): look under docs/.
  if (path.relative(docs, target).startsWith('..') && !(path.isAbsolute(arg) && fs.existsSync(arg))) {
    const named = path.resolve(docs, arg.replace(/^\/+|\/+$/g, ''));
    const page = ['.mdx', '.md'].map((ext) => named + ext).find((f) => fs.existsSync(f));
    if (page) target = page;
    else if (fs.existsSync(named)) target = named;
  }
  const rel = path.relative(docs, target).split(path.sep).join('/');
  if (rel.startsWith('..')) throw new Error(`docs:test takes a page or a folder under docs/, not ${arg}`);
  if (/\.mdx?$/.test(rel)) {
    const id = rel.replace(/\.mdx?$/, '').replace(/(^|\/)index$/, '');
    return { url: id ? `/${id}/` : '/', folder: false };
  }
  return { url: rel ? `/${rel.replace(/\/$/, '')}/` : '/', folder: true };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a terminal's colour and cursor codes start with ESC
const CONTROL_CODE = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a window-title code runs from ESC ] to BEL
const TITLE_CODE = /\x1b\][^\x07]*\x07/g;

/** Output as a reader would read it: no colour codes or cursor moves, \n line ends. */
export function plainText(raw: string): string {
  return raw
    .replace(CONTROL_CODE, '')
    .replace(TITLE_CODE, '')
    .replace(/\r\n/g, '\n')
    .replace(/[^\n]*\r(?!\n)/g, '');
}

/**
 * A recorded output as readers may see it: the test run's registry host (a name only the test
 * network knows) becomes `<registry>`, e.g. `<registry>/notes/pythonhello`.
 */
export function withRegistryPlaceholder(text: string, registry: string): string {
  return registry ? text.replaceAll(registry, '<registry>') : text;
}

/** A check of a built page: its key and where it sits (the number of file and run blocks above it). */
export interface PageCheckPlace {
  key: string;
  /** How many of the page's blocks (as blocksOfHtml lists them) come before the check. */
  position: number;
}

/** The checks of a built page, in page order, from the Check buttons the plugin rendered (the scripts are not in the page). */
export function checksOfHtml(html: string): PageCheckPlace[] {
  const checks: PageCheckPlace[] = [];
  let position = 0;
  for (const m of html.matchAll(/<(figure|div)\b(?:[^>"]|"[^"]*")*>/g)) {
    const a = attrs(m[0]);
    if (m[1] === 'figure' && (a['data-file'] !== undefined || a['data-run-command'] !== undefined)) position++;
    else if (m[1] === 'div' && a['data-check'] !== undefined) checks.push({ key: a['data-check'], position });
  }
  return checks;
}

/** A built page's slug as the workshop names it (`/` -> `index`, `/writing/x/` -> `writing/x`). */
export function workshopSlug(url: string): string {
  return url.replace(/^\/+|\/+$/g, '') || 'index';
}
