import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

export interface PageWeight {
  page: string;
  beforeRun: { js: number; css: number; files: string[] };
  afterRun: { js: number; css: number; files: string[] };
}

const gz = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;

/**
 * Gzip bytes of the JS and CSS a docs page loads, measured in Chromium against the real server:
 * what loads with the page, then everything once its first block has run (xterm.js and the pane
 * load on the first Run). Sizes are of the built files, gzipped at level 9.
 */
export async function pageWeight(serverUrl: string, token: string, siteDir: string, pagePath: string, chromiumPath: string): Promise<PageWeight> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const seen = new Set<string>();
  try {
    const page = await browser.newPage();
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.origin === serverUrl && /\.(js|css)$/.test(u.pathname)) seen.add(u.pathname);
    });
    await page.goto(`${serverUrl}${pagePath}?token=${token}`);
    await page.waitForLoadState('networkidle');
    const before = [...seen];
    await page.locator('.rdn-run-button').first().click();
    await page.waitForSelector('figure[data-run-command][data-run-state="ok"], figure[data-run-command][data-run-state="failed"]', {
      timeout: 120_000,
    });
    await page.waitForLoadState('networkidle');
    const after = [...seen];
    const weigh = (files: string[]) => ({
      js: files.filter((f) => f.endsWith('.js')).reduce((s, f) => s + gz(path.join(siteDir, f)), 0),
      css: files.filter((f) => f.endsWith('.css')).reduce((s, f) => s + gz(path.join(siteDir, f)), 0),
      files,
    });
    return { page: pagePath, beforeRun: weigh(before), afterRun: weigh(after) };
  } finally {
    await browser.close();
  }
}
