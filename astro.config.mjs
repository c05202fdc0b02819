// @ts-check
import mdx from '@astrojs/mdx';
import expressiveCode from 'astro-expressive-code';
import { defineConfig } from 'astro/config';
import { checkLinks } from './src/check-links-integration.ts';
import { checkPages } from './src/check-pages-integration.ts';
import { pluginRunButton } from './src/code-blocks/run-button-plugin.ts';
import { workshopManifestFile } from './src/workshop/workshop-manifest-integration.ts';

// A static site: the Express server (server/) serves dist/ and the API on one port.
export default defineConfig({
  output: 'static',
  integrations: [
    // Expressive Code must come before MDX: it renders every fenced block (highlighting, copy button, Run).
    expressiveCode({
      themes: ['github-dark', 'github-light'],
      // Follows the system, and the reader's choice when they toggled it ([data-theme] on <html>).
      useDarkModeMediaQuery: true,
      themeCssSelector: (theme) => `[data-theme='${theme.type}']`,
      plugins: [pluginRunButton()],
      // Keep tabs as written (the default turns each into 2 spaces before any plugin sees the code):
      // a file block's Makefile and a `<<-EOF` here-document need their tabs.
      tabWidth: 0,
      styleOverrides: { codeFontSize: '0.85rem' },
    }),
    mdx(),
    // A page file or folder under docs/ must be named as its URL (`team-runbooks`, not `Team Runbooks`),
    // and `{name}` in a page's text must be defined: both fail the build naming the file (and line).
    checkPages(),
    // A link to a page that does not exist fails the build, naming the file and line.
    checkLinks(),
    // dist/workshop.json: block keys, checks and catch-up scripts of every page, for the server only.
    workshopManifestFile(),
  ],
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  devToolbar: { enabled: false },
  vite: {
    // `npm run dev`: xterm is imported on the first Run only. Left to be discovered then, the dev server
    // re-optimizes and reloads the page in the middle of that Run; bundle it up front instead.
    optimizeDeps: { include: ['@xterm/xterm', '@xterm/addon-fit'] },
    build: {
      rollupOptions: {
        // Astro's own MDX modules carry a "use astro:head-inject" directive that the bundler warns about on
        // every page; it is Astro's marker, harmless, and the warning only buried real messages at first start.
        onwarn(warning, warn) {
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && /astro:/.test(warning.message)) return;
          warn(warning);
        },
      },
    },
  },
});
