import fs from 'node:fs';
import path from 'node:path';

/** One page of the build's `workshop.json`: its checks and its catch-up script. */
export interface ManifestPage {
  title?: string;
  blocks: string[];
  checks: Record<string, { script: string; hint?: string; showOutput?: boolean }>;
  catchUp?: string;
}

/**
 * The build's `dist/workshop.json` (written by the site build: each page's checks and catch-up
 * script). Read when first needed and again whenever the file changes (a rebuild while the server
 * runs); a site built without it simply has no checks and no catch-up.
 */
export class WorkshopManifest {
  readonly #file: string;
  readonly #log: (line: string) => void;
  #stamp = '';
  #pages: Record<string, ManifestPage> = {};

  constructor(siteDir: string, log: (line: string) => void) {
    this.#file = path.join(siteDir, 'workshop.json');
    this.#log = log;
  }

  /** The page's entry, or undefined when the manifest (or the page in it) is missing. */
  page(slug: string): ManifestPage | undefined {
    this.#refresh();
    return Object.hasOwn(this.#pages, slug) ? this.#pages[slug] : undefined;
  }

  /** Whether the block key (`/images#3`) is a block of the site, or a page's catch-up: only those have results to keep. */
  hasBlock(block: string): boolean {
    const slug = pageOfBlock(block);
    const page = this.page(slug);
    if (!page) return false;
    return page.blocks.includes(block) || (page.catchUp !== undefined && block === `${pathnameOfPage(slug)}#catch-up`);
  }

  #refresh(): void {
    let stamp = 'absent';
    try {
      const st = fs.statSync(this.#file);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {
      // no manifest: no checks and no catch-up
    }
    if (stamp === this.#stamp) return;
    this.#stamp = stamp;
    this.#pages = {};
    if (stamp === 'absent') return;
    try {
      const parsed = JSON.parse(fs.readFileSync(this.#file, 'utf8')) as { pages?: unknown };
      if (parsed && typeof parsed.pages === 'object' && parsed.pages !== null) this.#pages = parsed.pages as Record<string, ManifestPage>;
      for (const p of Object.values(this.#pages)) p.checks ??= {};
    } catch (err) {
      this.#log(`Workshop: ${this.#file} is not valid JSON (${(err as Error).message}); pages have no checks until the next build.`);
    }
  }
}

/** A page's slug from a block key: `/images#3` -> `images`, `/#0` -> `index`, `/writing/x#1` -> `writing/x`. */
export function pageOfBlock(block: string): string {
  const pathname = block.split('#')[0] ?? '';
  return pathname.replace(/^\/+|\/+$/g, '') || 'index';
}

/** The pathname a page's blocks are keyed under: `images` -> `/images`, `index` -> `/`. */
export function pathnameOfPage(slug: string): string {
  return slug === 'index' ? '/' : `/${slug}`;
}
