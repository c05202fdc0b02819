import type { AstroIntegration } from 'astro';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFrontmatter } from '@astrojs/internal-helpers/frontmatter';
import { catchUpSchema } from '../code-blocks/page-frontmatter.ts';
import { workshopManifest, type ManifestInput } from './workshop-manifest.ts';

/** Every page file under docs/, with its id as the glob loader names it (`writing/index.mdx` -> `writing`). */
function pageFiles(docsDir: string, dir = docsDir, out: Array<{ id: string; file: string }> = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) pageFiles(docsDir, p, out);
    else if (/\.mdx?$/.test(e.name)) {
      const id =
        path
          .relative(docsDir, p)
          .split(path.sep)
          .join('/')
          .replace(/\.mdx?$/, '')
          .replace(/(^|\/)index$/, '') || 'index';
      out.push({ id, file: p });
    }
  }
  return out;
}

/** The manifest's inputs: each page's source and frontmatter, and its built HTML under `siteDir`. */
export function manifestInputs(root: string, siteDir: string): ManifestInput[] {
  return pageFiles(path.join(root, 'docs')).map(({ id, file }) => {
    const source = fs.readFileSync(file, 'utf8');
    const { frontmatter } = parseFrontmatter(source);
    const htmlFile = path.join(siteDir, id === 'index' ? '' : id, 'index.html');
    const catchUp = catchUpSchema.safeParse(frontmatter.catchUp);
    return {
      id,
      title: typeof frontmatter.title === 'string' ? frontmatter.title : id,
      catchUp: catchUp.success ? catchUp.data : undefined,
      source,
      html: fs.existsSync(htmlFile) ? fs.readFileSync(htmlFile, 'utf8') : '',
    };
  });
}

/**
 * Writes `dist/workshop.json` after the build: the block keys, checks and catch-up scripts of
 * every page, for the server (which never serves the file to a browser).
 */
export function workshopManifestFile(): AstroIntegration {
  let root = process.cwd();
  return {
    name: 'workshop-manifest',
    hooks: {
      'astro:config:done': ({ config }) => {
        root = fileURLToPath(config.root);
      },
      'astro:build:done': ({ dir, logger }) => {
        const siteDir = fileURLToPath(dir);
        const manifest = workshopManifest(manifestInputs(root, siteDir));
        fs.writeFileSync(path.join(siteDir, 'workshop.json'), `${JSON.stringify(manifest, null, 1)}\n`);
        logger.info(`workshop.json: ${Object.keys(manifest.pages).length} pages`);
      },
    },
  };
}
