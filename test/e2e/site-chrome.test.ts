/**
 * The page around the notes, in Chromium at a desktop and a phone width: search results in their
 * own scrolling panel, a search index without button labels, the phone's page drawer, the
 * favicon, and the home page's words about images.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';
import { serveStatic } from '../../scripts/static-server.ts';
import { useReaderServer } from '../support/reader-server.ts';

const shots = path.join(projectRoot, '.cache', 'test-results');
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'narrow desktop', width: 900, height: 700 },
  { name: 'phone', width: 390, height: 844 },
] as const;
/** A long page: most of it lies below the first screen. */
const LONG_PAGE = '/example-commands/';

const served = useReaderServer();

beforeAll(() => {
  fs.mkdirSync(shots, { recursive: true });
});

/** A signed-in reader at one window size, on a page. */
async function reader(size: { width: number; height: number }, pathname: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await served.browser.newContext({ viewport: { width: size.width, height: size.height } });
  const page = await context.newPage();
  await page.goto(`${served.app.server.url}${pathname}?token=${served.app.token}`);
  return { context, page };
}

/** Scrolls the window to the end of the page (where a reader of a long page often is). */
async function scrollToEnd(page: Page): Promise<number> {
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const y = await page.evaluate(() => window.scrollY);
  expect(y, 'the long page should scroll').toBeGreaterThan(0);
  return y;
}

describe.each(WIDTHS)('site chrome at $width px ($name)', (size) => {
  it('search results open in a panel with its own scroll; Escape and a click outside close it', async () => {
    const { context, page } = await reader(size, LONG_PAGE);
    try {
      await scrollToEnd(page);
      await page.locator('.search-stub').click();
      await page.locator('.pagefind-ui__search-input').fill('docker');
      const results = page.locator('.pagefind-ui__result');
      await expect.poll(() => results.count(), { timeout: 15_000 }).toBeGreaterThan(2);
      const drawer = page.locator('.pagefind-ui__drawer');
      await drawer.waitFor({ state: 'visible' });

      const header = (await page.locator('.site-header').boundingBox())!;
      expect(header.height, `the header should keep its own height with results open, saw ${header.height}px`).toBeLessThan(size.height / 4);
      const panel = (await drawer.boundingBox())!;
      expect(panel.y, 'the results panel should start on screen').toBeGreaterThanOrEqual(0);
      expect(panel.x, 'the results panel should start within the window').toBeGreaterThanOrEqual(0);
      expect(panel.x + panel.width, `the results panel should end within the ${size.width}px window`).toBeLessThanOrEqual(size.width);
      expect(panel.y + panel.height, `the results panel should end within the ${size.height}px window`).toBeLessThanOrEqual(size.height);
      await page.screenshot({ path: path.join(shots, `search-${size.width}.png`) });

      // The last result is reachable by scrolling the panel, and is then on screen and on top.
      await drawer.evaluate((d) => (d.scrollTop = d.scrollHeight));
      const last = results.last();
      const box = (await last.boundingBox())!;
      expect(box.y + box.height, 'the last result should be on screen after scrolling the panel').toBeLessThanOrEqual(size.height + 1);
      expect(box.y, 'the last result should be on screen after scrolling the panel').toBeGreaterThanOrEqual(0);
      const onTop = await last.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return el.contains(document.elementFromPoint(r.left + 10, r.top + Math.min(10, r.height / 2)));
      });
      expect(onTop, 'the last result should not be covered').toBe(true);
      await page.screenshot({ path: path.join(shots, `search-${size.width}-scrolled.png`) });

      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });
      const focused = await page.evaluate(() => document.activeElement?.classList.contains('pagefind-ui__search-input'));
      expect(focused, 'Escape should leave the focus in the search box').toBe(true);
      expect(await page.locator('.pagefind-ui__search-input').inputValue(), 'Escape should keep the query').toBe('docker');

      await page.locator('.pagefind-ui__search-input').click();
      await drawer.waitFor({ state: 'visible' });
      await page.locator('.site-header').click({ position: { x: 2, y: 2 } });
      await drawer.waitFor({ state: 'hidden' });
    } finally {
      await context.close();
    }
  });

  it('the page list opens where the reader is, and closes on Escape, outside and on choosing a page', async () => {
    const { context, page } = await reader(size, LONG_PAGE);
    try {
      const sidebar = page.locator('nav.sidebar');
      const toggle = page.locator('.nav-toggle');
      if (size.width > 800) {
        // A desktop shows the list beside the page, no ☰.
        expect(await toggle.isVisible(), 'no ☰ on a desktop').toBe(false);
        await scrollToEnd(page);
        expect(await sidebar.isVisible(), 'the page list should be beside the page').toBe(true);
        await page.screenshot({ path: path.join(shots, `menu-${size.width}.png`) });
        return;
      }
      await scrollToEnd(page);
      expect(await sidebar.isVisible(), 'the page list should be folded away on a phone').toBe(false);
      await toggle.click();
      await sidebar.waitFor({ state: 'visible' });
      const links = sidebar.locator('a');
      const n = await links.count();
      for (let i = 0; i < n; i++) {
        const b = (await links.nth(i).boundingBox())!;
        expect(b.y, `page link ${i} should be on screen after ☰ on a scrolled page, saw y=${b.y}`).toBeGreaterThanOrEqual(0);
        expect(b.y + b.height, `page link ${i} should be on screen after ☰ on a scrolled page`).toBeLessThanOrEqual(size.height);
      }
      const overflowY = await sidebar.evaluate((el) => getComputedStyle(el).overflowY);
      expect(overflowY, 'the open list scrolls on its own').toBe('auto');
      const drawer = (await sidebar.boundingBox())!;
      expect(drawer.y + drawer.height, 'the open list should run to the bottom of the window').toBeGreaterThanOrEqual(size.height - 1);
      await page.screenshot({ path: path.join(shots, `menu-${size.width}-open.png`) });

      await page.keyboard.press('Escape');
      await sidebar.waitFor({ state: 'hidden' });
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      expect(await page.evaluate(() => document.activeElement?.classList.contains('nav-toggle')), 'Escape returns the focus to ☰').toBe(true);

      await toggle.click();
      await sidebar.waitFor({ state: 'visible' });
      await page.mouse.click(size.width - 10, size.height / 2);
      await sidebar.waitFor({ state: 'hidden' });

      // Choosing a page closes the list (seen before the browser leaves: the test holds the navigation).
      await toggle.click();
      await sidebar.waitFor({ state: 'visible' });
      await page.evaluate(() => window.addEventListener('click', (e) => e.preventDefault(), { capture: true, once: true }));
      await links.first().click();
      await sidebar.waitFor({ state: 'hidden' });
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    } finally {
      await context.close();
    }
  });
});

describe('site chrome on every page', () => {
  it('every page and the handout link a favicon that is served, and nothing answers 404', async () => {
    const { context, page } = await reader(WIDTHS[0], '/');
    try {
      const paths = await page.locator('nav.sidebar a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
      expect(paths.length, 'the sidebar should list the pages').toBeGreaterThan(2);
      const missing: string[] = [];
      page.on('response', (r) => {
        if (r.status() === 404) missing.push(r.url());
      });
      for (const p of [...paths, '/handout/']) {
        await page.goto(`${served.app.server.url}${p}`, { waitUntil: 'load' });
        const icon = page.locator('head link[rel~="icon"]');
        expect(await icon.count(), `${p} should link an icon in its head`).toBe(1);
        const href = await icon.getAttribute('href');
        expect(href, `${p} should link an icon in its head`).toBeTruthy();
        const res = await page.request.get(new URL(href!, page.url()).href);
        expect(res.status(), `${p}: its icon ${href} should be served`).toBe(200);
        expect(res.headers()['content-type'], `${p}: its icon ${href}`).toMatch(/image\/svg\+xml/);
      }
      expect(missing, 'no request of these pages should answer 404').toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("the search index holds the blocks' code but not their Run controls", async () => {
    const { context, page } = await reader(WIDTHS[0], '/');
    try {
      // A string, so that the test runner leaves the browser's own import() alone.
      const contents = (await page.evaluate(`(async () => {
        const pagefind = await import('/pagefind/pagefind.js');
        const search = await pagefind.search('docker');
        const data = await Promise.all(search.results.map((r) => r.data()));
        return data.map((d) => ({ url: d.url, content: d.content }));
      })()`)) as Array<{ url: string; content: string }>;
      expect(contents.length, 'the index should find pages for "docker"').toBeGreaterThan(2);
      for (const { url, content } of contents) {
        expect(content, `${url} is indexed with Run button labels`).not.toMatch(/Run to here|RunRun/);
        expect(content, `${url} is indexed with the file blocks' note`).not.toMatch(/written to your workspace before the blocks below run/);
        expect(content, `${url} is indexed with the code frames' screen-reader label`).not.toMatch(/Terminal window/);
        expect(content, `${url} is indexed with a workshop check's label`).not.toMatch(/The image pythonhello exists/);
        expect(url, "the instructor's room is not in search").not.toMatch(/instructor/);
      }
      const all = contents.map((c) => c.content).join('\n');
      expect(all, 'the code of the blocks should stay searchable').toContain('docker build -t pythonhello');
    } finally {
      await context.close();
    }
  });

  it("the home page says the notes' images are pulled on first use, not already there", async () => {
    const { context, page } = await reader(WIDTHS[0], '/');
    try {
      const text = await page.locator('main.doc').innerText();
      expect(text, 'the home page should not claim the sandbox already holds the images').not.toMatch(/already holds/);
      expect(text, 'the home page should say the first use pulls the images').toMatch(/pulls it[\s\S]{0,80}mirror/);
    } finally {
      await context.close();
    }
  });

  it('on screen, the static copy shows a long recorded output whole (folding is for print)', async () => {
    const site: http.Server = await serveStatic(path.join(projectRoot, 'dist'));
    const context = await served.browser.newContext({ viewport: { width: WIDTHS[2].width, height: WIDTHS[2].height } });
    try {
      const page = await context.newPage();
      const { port } = site.address() as { port: number };
      await page.goto(`http://127.0.0.1:${port}/example-commands/`);
      await page.waitForSelector('body[data-static] .rdn-recorded');
      const long = page.locator('.rdn-recorded', { has: page.locator('.rdn-recorded-rest') }).first();
      await long.scrollIntoViewIfNeeded();
      const shown = await long.locator('pre').innerText();
      expect(shown.split('\n').length, 'the whole docker inspect output should be on screen').toBeGreaterThan(100);
      expect(shown, 'the print-only fold line should not show on screen').not.toMatch(/more lines/);
      await page.screenshot({ path: path.join(shots, 'static-fallback-long-390.png') });
    } finally {
      await context.close();
      site.close();
    }
  });

  it("a page loads none of the terminal's code before the first Run, and the first Run loads it", async () => {
    const { context, page } = await reader(WIDTHS[0], LONG_PAGE);
    try {
      const scripts: string[] = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
      });
      await page.reload();
      await page.waitForLoadState('networkidle');
      const terminal = (list: string[]) => list.filter((f) => /terminal-view|xterm/.test(f));
      expect(terminal(scripts), `scripts loaded with the page: ${scripts.join(', ')}`).toEqual([]);
      await page.locator('.rdn-run-button').first().click();
      await page.waitForSelector('figure[data-run-command][data-run-state="ok"], figure[data-run-command][data-run-state="failed"]', {
        timeout: 120_000,
      });
      expect(terminal(scripts).length, `scripts after the first Run: ${scripts.join(', ')}`).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });
});
