import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { requireEngine } from '../support/engine.ts';
import { launchBrowser } from '../support/browser.ts';
import { startServer, type StartedServer } from '../support/server.ts';

let server: StartedServer;
let browser: Browser;
let engineVersion: string;

beforeAll(async () => {
  const { engine } = await requireEngine();
  engineVersion = (await engine.version()).version;
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the docs site in Chromium', () => {
  it("loads a page and shows the engine's version", async () => {
    const page = await browser.newPage();
    await page.goto(server.openUrl);
    await expect.poll(() => page.title()).toContain('Docker');
    const status = page.locator('.engine-status');
    await status.locator(`text=Docker engine ${engineVersion}`).waitFor();
    expect(await status.getAttribute('data-state')).toBe('ok');
  });
});
