import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../server/docker/labels.ts';
import { startAppServer } from '../support/app-server.ts';
import { launchBrowser } from '../support/browser.ts';
import { requireEngine } from '../support/engine.ts';
import type { StartedServer } from '../support/server.ts';

let server: StartedServer;
let browser: Browser;
let page: Page;
let instance: string;
let token: string;

beforeAll(async () => {
  await requireEngine();
  ({ server, instance, token } = await startAppServer());
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`${server.url}/?token=${token}`);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  const { engine } = await requireEngine();
  await engine.removeLabelled({ [LABELS.instance]: instance });
});

/** The block whose command is exactly `command`, and the text of its terminal pane. */
function block(command: string) {
  const figure = page.locator(`figure[data-run-command="${command}"]`);
  const pane = figure.locator('xpath=ancestor::div[contains(@class,"expressive-code")]/following-sibling::div[contains(@class,"rdn-pane")][1]');
  return { figure, pane, screen: () => pane.locator('.xterm-rows').innerText() };
}

describe('a docs page in Chromium', () => {
  it('runs a block: the output shows in the xterm pane, then its exit code', async () => {
    const b = block('docker ps -a');
    await b.figure.locator('.rdn-run-button').click();
    await expect.poll(() => b.figure.getAttribute('data-run-state'), { timeout: 120_000 }).toBe('ok');
    expect(await b.figure.locator('.rdn-run-status').innerText()).toMatch(/^exit 0 · \d/);
    expect(await b.screen()).toContain('CONTAINER ID');
    expect(page.url()).toBe(`${server.url}/`);
  });

  it('takes typing into an interactive run (docker run -t -i ubuntu /bin/bash)', async () => {
    const b = block('docker run -t -i ubuntu /bin/bash');
    await b.figure.locator('.rdn-run-button').click();
    await expect.poll(() => b.screen(), { timeout: 120_000 }).toMatch(/root@\w+:\/#/);
    await b.pane.locator('.xterm').click();
    await page.keyboard.type('echo "shell is $0"');
    await page.keyboard.press('Enter');
    await expect.poll(() => b.screen()).toContain('shell is /bin/bash');
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await expect.poll(() => b.figure.getAttribute('data-run-state')).toBe('ok');
    expect(await b.figure.locator('.rdn-run-status').innerText()).toMatch(/^exit 0/);
    await page.screenshot({ path: '.cache/test-results/run-block.png', fullPage: true });
  });
});
