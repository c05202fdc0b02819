import { pageChecks } from '../code-blocks/page-checks.ts';

/** One check as the server runs it: the script never reaches the page, only the server. */
export interface ManifestCheck {
  script: string;
  hint?: string;
  showOutput: boolean;
}

export interface ManifestPage {
  title: string;
  /** The block keys the page sends with its runs, in page order (`<pathname>#<index>`). */
  blocks: string[];
  checks: Record<string, ManifestCheck>;
  catchUp?: string;
}

/** `dist/workshop.json`: what the server needs to know of the pages for checks, catch-up and progress. */
export interface WorkshopManifest {
  version: 1;
  pages: Record<string, ManifestPage>;
}

/** A built page: its id (the slug: `index`, `images`, `writing/runbook-template`), frontmatter, source and HTML. */
export interface ManifestInput {
  id: string;
  title: string;
  catchUp?: string | undefined;
  source: string;
  html: string;
}

/** The pathname a page's notebook uses in its block keys (notebook.ts: no trailing slash, `/` for home). */
export function pagePathname(id: string): string {
  return id === 'index' ? '/' : `/${id}`;
}

/**
 * The number of runnable blocks of a built page, counted the way the page's notebook finds them:
 * every `<figure>` the Run plugin gave a `data-run-command` (values may hold ">", so match quotes whole).
 */
export function runBlockCount(html: string): number {
  let n = 0;
  for (const m of html.matchAll(/<figure\b(?:[^>"]|"[^"]*")*>/g)) if (/\sdata-run-command="/.test(m[0])) n++;
  return n;
}

/** The manifest of the given pages; block keys from the built HTML, checks from the source (never from the HTML). */
export function workshopManifest(pages: ManifestInput[]): WorkshopManifest {
  const out: WorkshopManifest = { version: 1, pages: {} };
  for (const p of [...pages].sort((a, b) => a.id.localeCompare(b.id))) {
    const pathname = pagePathname(p.id);
    const checks: Record<string, ManifestCheck> = {};
    for (const c of pageChecks(p.source)) checks[c.key] = { script: c.script, ...(c.hint ? { hint: c.hint } : {}), showOutput: c.showOutput };
    out.pages[p.id] = {
      title: p.title,
      blocks: Array.from({ length: runBlockCount(p.html) }, (_, i) => `${pathname}#${i}`),
      checks,
      ...(p.catchUp ? { catchUp: p.catchUp } : {}),
    };
  }
  return out;
}
