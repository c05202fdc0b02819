/**
 * `npm run handout`: one PDF of all pages in order, through Debian's Chromium, with each block's
 * recorded output under its code (from `npm run docs:test`). Writes handout.pdf (or the path given).
 */
import type http from 'node:http';
import path from 'node:path';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { projectRoot } from '../server/config.ts';
import { ensureSiteBuilt } from '../server/site-build.ts';
import { serveStatic } from './static-server.ts';

const out = path.resolve(process.argv[2] ?? 'handout.pdf');
const siteDir = path.join(projectRoot, 'dist');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

await ensureSiteBuilt(siteDir, (l) => console.log(l));
if (!fs.existsSync(chromiumPath)) {
  console.error(`No Chromium at ${chromiumPath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}
const site: http.Server = await serveStatic(siteDir);
const { port } = site.address() as { port: number };
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/handout/`);
  await page.waitForSelector('body[data-recordings-ready]', { timeout: 60_000 });
  await page.emulateMedia({ media: 'print' });
  await page.pdf({
    path: out,
    format: 'A4',
    printBackground: true,
    margin: { top: '16mm', bottom: '16mm', left: '14mm', right: '14mm' },
    displayHeaderFooter: true,
    headerTemplate: '<span></span>',
    footerTemplate:
      '<div style="font-size:8px;width:100%;text-align:center;color:#666">Runnable Docker notes · <span class="pageNumber"></span> / <span class="totalPages"></span></div>',
  });
  console.log(`Handout written: ${out} (${Math.round(fs.statSync(out).size / 1024)} KiB)`);
} finally {
  await browser.close();
  site.close();
}
