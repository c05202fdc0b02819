// @ts-check
import mdx from '@astrojs/mdx';
import { defineConfig } from 'astro/config';

// A static site: the Express server (server/) serves dist/ and the API on one port.
export default defineConfig({
  output: 'static',
  integrations: [mdx()],
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  devToolbar: { enabled: false },
});
