import fs from 'node:fs';
import path from 'node:path';

/** A link from one page to a page or file that does not exist. */
export interface BrokenLink {
  file: string;
  line: number;
  href: string;
}

function filesUnder(dir: string, test: (name: string) => boolean, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, test, out);
    else if (test(e.name)) out.push(p);
  }
  return out;
}

const posix = (p: string) => p.split(path.sep).join('/');

/** The id of a page file (`docs/runbooks/deploy.mdx` -> `runbooks/deploy`), as the glob loader names it. */
function idOf(docsDir: string, file: string): string {
  return (
    posix(path.relative(docsDir, file))
      .replace(/\.mdx?$/, '')
      .replace(/(^|\/)index$/, '') || 'index'
  );
}

/**
 * Every link between pages that leads nowhere: Markdown links and `href="..."` in the pages under
 * docs/ that point into the site (absolute `/x/`, relative `../x/`, or a source file `./x.mdx`).
 * A target is fine when it is a page, a route of src/pages or a file of public/. Code blocks are skipped.
 */
export function brokenLinks(root: string): BrokenLink[] {
  const docsDir = path.join(root, 'docs');
  const pages = filesUnder(docsDir, (n) => /\.mdx?$/.test(n));
  const urls = new Set(pages.map((f) => idOf(docsDir, f)).map((id) => (id === 'index' ? '/' : `/${id}/`)));
  for (const f of filesUnder(path.join(root, 'src', 'pages'), (n) => n.endsWith('.astro') && !n.includes('['))) {
    urls.add(
      `/${posix(path.relative(path.join(root, 'src', 'pages'), f))
        .replace(/\.astro$/, '')
        .replace(/(^|\/)index$/, '')}/`.replace(/\/+$/, '/'),
    );
  }
  const publicDir = path.join(root, 'public');
  const exists = (url: string) => urls.has(url.endsWith('/') ? url : `${url}/`) || fs.existsSync(path.join(publicDir, decodeURIComponent(url)));
  const broken: BrokenLink[] = [];
  for (const file of pages) {
    const id = idOf(docsDir, file);
    const pageUrl = id === 'index' ? '/' : `/${id}/`;
    const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
    let fence: string | undefined;
    lines.forEach((text, i) => {
      const f = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
      if (f && (!fence || f[0] === fence[0])) {
        fence = fence ? undefined : f;
        return;
      }
      if (fence) return;
      const hrefs = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...text.matchAll(/href=["']([^"']+)["']/g)].map((m) => m[1]!);
      for (const href of hrefs) {
        if (/^([a-z][\w+.-]*:|\/\/|#)/i.test(href)) continue;
        const target = href.replace(/[?#].*$/, '');
        let url: string;
        if (/\.mdx?$/.test(target)) {
          const abs = target.startsWith('/') ? path.join(docsDir, target) : path.resolve(path.dirname(file), target);
          url = fs.existsSync(abs) ? pageUrl : '/\u0000missing';
        } else {
          url = new URL(target, `http://site${pageUrl}`).pathname;
        }
        if (!exists(url)) broken.push({ file: posix(path.relative(root, file)), line: i + 1, href });
      }
    });
  }
  return broken;
}

/** The build error for broken links: each with its file and line, and what to do. */
export function brokenLinksMessage(broken: BrokenLink[]): string {
  return `${broken.map((b) => `${b.file}:${b.line}: broken link to ${b.href}`).join('\n')}\n  Hint: link to a page by its path under docs/ without the extension (docs/runbooks/deploy.mdx is /runbooks/deploy/), or to a file in public/.`;
}
