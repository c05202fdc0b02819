import type { AstroIntegration } from 'astro';
import { fileURLToPath } from 'node:url';
import { brokenLinks, brokenLinksMessage } from './broken-links.ts';

/** Fails `astro build` when a page links to a page that does not exist; the dev server only warns. */
export function checkLinks(): AstroIntegration {
  let root = process.cwd();
  return {
    name: 'check-links',
    hooks: {
      'astro:config:done': ({ config }) => {
        root = fileURLToPath(config.root);
      },
      'astro:build:start': () => {
        const broken = brokenLinks(root);
        if (broken.length) throw new Error(brokenLinksMessage(broken));
      },
      'astro:server:start': ({ logger }) => {
        const broken = brokenLinks(root);
        if (broken.length) logger.warn(brokenLinksMessage(broken));
      },
    },
  };
}
