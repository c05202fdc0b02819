import net from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';
import { hashPassword } from '../../server/security/password.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { useReaderServer } from '../support/reader-server.ts';
import { runnableBlock } from '../support/runnable-block.ts';
import type { NotebookWindow } from '../support/notebook-window.ts';

const shots = path.join(projectRoot, '.cache', 'test-results');
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const served = useReaderServer();

/** Index of the first runnable block whose command satisfies `test` (a string to find in it). */
function indexOf(page: Page, part: string): Promise<number> {
  return page.evaluate(
    (p) => [...document.querySelectorAll<HTMLElement>('figure[data-run-command]')].findIndex((f) => f.dataset.runCommand!.includes(p)),
    part,
  );
}

/** Starts `command` in block i as the page does, without waiting for its end. */
function startIn(page: Page, i: number, command: string): Promise<void> {
  return page.evaluate(([n, c]) => void (window as NotebookWindow).rdnNotebook.blocks[n]!.run(c), [i, command] as const);
}

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('block states in Chromium', () => {
  it.each(WIDTHS)(
    'a run the reader stops says "Stopped" in a neutral colour, also after a reload; a run that is killed by itself is still a failure ($name)',
    async (vp) => {
      const { context, page } = await served.openReader('/example-commands/', vp);
      const b = runnableBlock(page, 0);
      await startIn(page, 0, 'echo started; sleep 120');
      await expect.poll(b.state, { timeout: 120_000 }).toBe('running');
      await b.figure.locator('.rdn-stop-button').click();
      await expect.poll(b.state, { timeout: 30_000 }).toBe('stopped');
      expect(await b.status()).toMatch(/^Stopped · exit 1[23]\d · \d/);
      const colours = await b.figure.evaluate((f) => {
        const status = getComputedStyle(f.querySelector('.rdn-run-status')!).color;
        const probe = document.createElement('span');
        probe.style.color = 'var(--bad)';
        document.body.append(probe);
        const bad = getComputedStyle(probe).color;
        probe.remove();
        return { status, bad };
      });
      expect(colours.status, 'a stopped run must not use the failure colour').not.toBe(colours.bad);
      await page.screenshot({ path: path.join(shots, `block-stopped-${vp.name}.png`) });
      await page.reload();
      await page.waitForFunction(() => 'rdnNotebook' in window);
      await expect.poll(b.state, { timeout: 30_000 }).toBe('stopped');
      expect(await b.status()).toMatch(/^Stopped · exit 1[23]\d · \d/);
      // Killed by itself (nobody pressed Stop): a failure, as before.
      await startIn(page, 0, 'kill -9 $$');
      await expect.poll(b.state, { timeout: 60_000 }).toBe('failed');
      expect(await b.status()).toMatch(/^exit 137 · \d/);
      await context.close();
    },
  );

  it('a block the reader stops keeps what it did: the next block starts where it left off (desktop)', async () => {
    const { context, page } = await served.openReader('/example-commands/', WIDTHS[0]);
    const first = runnableBlock(page, 0);
    const next = runnableBlock(page, 1);
    const tag = Math.random().toString(36).slice(2, 8);
    // A second into the run, so Stop goes through the sandbox's stop channel, as it mostly does.
    await startIn(page, 0, `mkdir -p /tmp/e2e-${tag} && cd /tmp/e2e-${tag} && export KEPT=${tag} && sleep 1 && echo started; sleep 120`);
    await expect.poll(first.text, { timeout: 120_000 }).toContain('started');
    await first.figure.locator('.rdn-stop-button').click();
    await expect.poll(first.state, { timeout: 30_000 }).toBe('stopped');
    await startIn(page, 1, 'echo "at $PWD with KEPT=$KEPT"');
    await expect.poll(next.text, { timeout: 60_000, message: 'the block after the stopped one' }).toContain(`at /tmp/e2e-${tag} with KEPT=${tag}`);
    await next.figure.scrollIntoViewIfNeeded();
    // What the reader sees: a pane's rendered rows show it, not only the block's text.
    const drawn = page.locator('.xterm-rows', { hasText: `at /tmp/e2e-${tag} with KEPT=${tag}` });
    await expect.poll(() => drawn.count(), { timeout: 30_000, message: 'panes drawing the next block’s line' }).toBe(1);
    await page.screenshot({ path: path.join(shots, 'block-stopped-keeps-state.png') });
    await context.close();
  });

  it('Run to here on an interactive block says it waits for the reader, in the block and the bar, and puts the cursor in its terminal (desktop)', async () => {
    const { context, page } = await served.openReader('/example-commands/', WIDTHS[0]);
    const i = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('figure[data-run-command]')].findIndex((f) => f.dataset.runInteractive === 'true'),
    );
    const b = runnableBlock(page, i);
    await b.figure.locator('.rdn-to-here-button').click();
    await expect.poll(b.status, { timeout: 180_000 }).toBe('Waiting for you: type in the terminal below');
    expect(await page.locator('.rdn-bar-status').innerText()).toMatch(/Waiting for you: type in the terminal below/);
    await expect
      .poll(() => page.evaluate((n) => !!document.activeElement && document.querySelectorAll('.rdn-pane')[n]!.contains(document.activeElement), i))
      .toBe(true);
    // The page scrolls smoothly to the pane: wait for the scroll to settle there.
    const paneInView = async () => {
      const box = await page.locator('.rdn-pane').nth(i).boundingBox();
      return box !== null && box.y >= 0 && box.y < WIDTHS[0].height;
    };
    await expect.poll(paneInView, { message: "the waiting block's pane should scroll into the viewport" }).toBe(true);
    await page.screenshot({ path: path.join(shots, 'block-waiting-run-all-desktop.png') });
    // Typing goes straight into the terminal: no click needed.
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await expect.poll(b.state, { timeout: 30_000 }).toBe('ok');
    await expect.poll(() => page.locator('.rdn-bar-status').innerText()).toMatch(/^All \d+ blocks ran as expected/);
    await context.close();
  });

  it('Run on an interactive block alone says it waits for the reader and focuses its terminal (phone)', async () => {
    const { context, page } = await served.openReader('/example-commands/', WIDTHS[1]);
    const i = await indexOf(page, 'docker run -t -i ubuntu /bin/bash');
    expect(i, 'the page has the interactive ubuntu block').toBeGreaterThanOrEqual(0);
    const b = runnableBlock(page, i);
    await b.figure.locator('.rdn-run-button').click();
    await expect.poll(b.status, { timeout: 180_000 }).toBe('Waiting for you: type in the terminal below');
    expect(await page.locator('.rdn-bar-status').innerText()).toMatch(/Waiting for you/);
    await expect
      .poll(() => page.evaluate((n) => !!document.activeElement && document.querySelectorAll('.rdn-pane')[n]!.contains(document.activeElement), i))
      .toBe(true);
    await page.screenshot({ path: path.join(shots, 'block-waiting-phone.png') });
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await expect.poll(b.state, { timeout: 30_000 }).toBe('ok');
    expect(await page.locator('.rdn-bar-status').innerText()).not.toMatch(/Waiting for you/);
    await context.close();
  });

  it("Run all's Stop on a block that waits for the reader: the block says Stopped, the bar says Run all was stopped (phone)", async () => {
    const { context, page } = await served.openReader('/example-commands/', WIDTHS[1]);
    const i = await indexOf(page, 'docker run -t -i ubuntu /bin/bash');
    const b = runnableBlock(page, i);
    await b.figure.locator('.rdn-to-here-button').click();
    await expect.poll(b.status, { timeout: 180_000 }).toBe('Waiting for you: type in the terminal below');
    await page.locator('.rdn-stop-all').click();
    await expect.poll(b.state, { timeout: 30_000 }).toBe('stopped');
    expect(await b.status()).toMatch(/^Stopped · exit \d+ · \d/);
    await expect.poll(() => page.locator('.rdn-bar-status').innerText()).toBe(`Run all stopped at block ${i + 1}, as you asked.`);
    for (let j = 0; j < i; j++) expect(await runnableBlock(page, j).state(), `block ${j}`).toBe('ok');
    await b.figure.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'block-run-all-stopped-phone.png') });
    await context.close();
  });

  it('a block that fails because a container of that name is left over gives a one-line hint and no port link', async () => {
    const { context, page } = await served.openReader('/creating-an-image/', WIDTHS[1]);
    const runIdx = await indexOf(page, 'docker run -d -p 4000:80 --name pythonhello pythonhello');
    expect(runIdx, 'the image page runs pythonhello on port 4000').toBeGreaterThanOrEqual(0);
    // What an earlier partial run leaves: a container named pythonhello holding port 4000.
    await startIn(
      page,
      0,
      'docker pull -q ubuntu && docker tag ubuntu pythonhello && docker run -d -p 4000:80 --name pythonhello pythonhello sleep 600',
    );
    await expect.poll(() => runnableBlock(page, 0).state(), { timeout: 180_000 }).toBe('ok');
    // A reload connects the session panel to the session that now exists.
    await page.reload();
    await page.waitForFunction(() => 'rdnNotebook' in window);
    await page.click('.rdn-panel-toggle');
    await page.locator('.session-panel li', { hasText: 'pythonhello' }).locator('a.rdn-port-link').waitFor({ timeout: 30_000 });
    await page.click('.session-panel-close');
    const b = runnableBlock(page, runIdx);
    await b.figure.locator('.rdn-run-button').click();
    await expect.poll(b.state, { timeout: 60_000 }).toBe('failed');
    expect(await b.status()).toMatch(/^exit 125/);
    const hint = b.figure.locator('.rdn-hint');
    await expect
      .poll(() => hint.innerText().catch(() => ''))
      .toBe('A container named pythonhello is left from an earlier run: run docker rm -f pythonhello, or Restart session.');
    expect(await hint.locator('code').first().innerText()).toBe('docker rm -f pythonhello');
    // The panel's next inventory (the container is running, on the block's port) must not link it under the failed block.
    await startIn(page, 0, 'docker ps');
    await expect.poll(() => runnableBlock(page, 0).state(), { timeout: 60_000 }).toBe('ok');
    // Wait for the panel to have that inventory (it renders while closed too), then look under the block.
    await expect.poll(() => page.locator('.session-panel li', { hasText: 'pythonhello' }).count()).toBeGreaterThan(0);
    expect(await b.figure.locator('a.rdn-port-link').count(), 'port links under the failed block').toBe(0);
    await b.figure.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'block-hint-phone.png') });
    await page.setViewportSize(WIDTHS[0]);
    await b.figure.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'block-hint-desktop.png') });
    // The next run of the block clears the hint.
    await startIn(page, runIdx, 'true');
    await expect.poll(b.state, { timeout: 60_000 }).toBe('ok');
    expect(await hint.count()).toBe(0);
    await context.close();
  });

  it.each(WIDTHS)('placeholder values survive a reload and a new tab, fill the other blocks, and fit in their field ($name)', async (vp) => {
    const { context, page } = await served.openReader('/example-commands/', vp);
    const inputs = page.locator('input.rdn-ph[data-ph="container_id"]');
    expect(await inputs.count(), 'the page has <container_id> in more than one block').toBeGreaterThan(1);
    // Empty, each field shows its whole name.
    const fits = () =>
      page.locator('input.rdn-ph').evaluateAll((els) =>
        (els as HTMLInputElement[]).map((input) => {
          const probe = document.createElement('span');
          const cs = getComputedStyle(input);
          probe.style.cssText = `font: ${cs.font}; white-space: pre; position: absolute; visibility: hidden`;
          probe.textContent = input.value || input.placeholder;
          document.body.append(probe);
          const need = probe.getBoundingClientRect().width;
          probe.remove();
          const room = input.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
          return { name: input.dataset.ph, text: input.value || input.placeholder, need: Math.ceil(need), room, fits: need <= room + 0.5 };
        }),
      );
    for (const f of await fits()) expect(f.fits, `field <${f.name}> needs ${f.need}px for "${f.text}", has ${f.room}px`).toBe(true);
    const value = 'my-long-container-name';
    await inputs.first().fill(value);
    for (const f of await fits()) expect(f.fits, `field <${f.name}> needs ${f.need}px for "${f.text}", has ${f.room}px`).toBe(true);
    await page.reload();
    await page.waitForFunction(() => 'rdnNotebook' in window);
    expect(await inputs.evaluateAll((els) => (els as HTMLInputElement[]).map((e) => e.value))).toEqual(Array(await inputs.count()).fill(value));
    for (const f of await fits()) expect(f.fits, `after reload, field <${f.name}> needs ${f.need}px for "${f.text}", has ${f.room}px`).toBe(true);
    await page.locator('input.rdn-ph[data-ph="container_id"]').last().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, `placeholders-${vp.name}.png`) });
    // A new tab of the same browser has them too.
    const tab = await context.newPage();
    await tab.goto(`${served.app.server.url}/example-commands/`);
    await tab.waitForFunction(() => 'rdnNotebook' in window);
    expect(await tab.locator('input.rdn-ph[data-ph="container_id"]').first().inputValue()).toBe(value);
    await context.close();
  });

  it('a server restarted with a new token: the header says "Signed out" with what to do, and the page stops calling the server', async () => {
    const port = String(await freePort());
    const first = await startAppServer({ PORT: port });
    let second: AppServer | undefined;
    try {
      const { context, page } = await served.openReader('/example-commands/', WIDTHS[0], first);
      await runnableBlock(page, 0).figure.locator('.rdn-run-button').click();
      await expect.poll(() => runnableBlock(page, 0).state(), { timeout: 180_000 }).toBe('ok');
      await first.close();
      second = await startAppServer({ PORT: port });
      // The reader restarted the server in a terminal and comes back to the page: the page asks then
      // (it does not poll a server that went away; the session panel's few looks may be over by now).
      await page.evaluate(() => window.dispatchEvent(new Event('focus')));
      const status = page.locator('.engine-status');
      await expect.poll(() => status.innerText(), { timeout: 30_000 }).toMatch(/^Signed out: open the link that `npm start` printed/);
      expect(await status.getAttribute('data-state')).toBe('signed-out');
      await page.screenshot({ path: path.join(shots, 'signed-out-token.png') });
      // From now on: no more 401s and no reconnecting sockets until the reader acts.
      const after: string[] = [];
      page.on('response', (r) => r.status() === 401 && after.push(`${r.status()} ${r.url()}`));
      page.on('websocket', (ws) => after.push(`websocket ${ws.url()}`));
      await page.waitForTimeout(12_000);
      expect(after, 'requests after the page showed it is signed out').toEqual([]);
      await context.close();
    } finally {
      await second?.close();
    }
  });

  it('in password mode, a lost login shows a "Log in" link to /login in the header', async () => {
    const password = 'block-states-password';
    const hosted = await startAppServer({ NOTES_PASSWORD_HASH: hashPassword(password) });
    try {
      const context = await served.browser.newContext({ viewport: WIDTHS[1] });
      const page = await context.newPage();
      // Logged in through the form's POST with the Origin a browser sends (the login page itself is not under test here).
      const login = await context.request.post(`${hosted.server.url}/login`, {
        form: { password },
        headers: { Origin: hosted.server.url },
        maxRedirects: 0,
      });
      expect(login.status(), await login.text()).toBe(303);
      await page.goto(`${hosted.server.url}/example-commands/`);
      await page.waitForFunction(() => 'rdnNotebook' in window);
      await context.clearCookies();
      // The reader presses Run (headless Chromium has no tab switch to notice it earlier).
      await runnableBlock(page, 0).figure.locator('.rdn-run-button').click();
      await expect.poll(() => runnableBlock(page, 0).status()).toMatch(/^Signed out: sign in again as the top of the page says/);
      const link = page.locator('.engine-status a', { hasText: 'Log in' });
      await link.waitFor({ timeout: 30_000 });
      expect(await link.getAttribute('href')).toBe('/login');
      expect(await page.locator('.engine-status').innerText()).toMatch(/^Signed out/);
      await page.screenshot({ path: path.join(shots, 'signed-out-password-phone.png') });
      await context.close();
    } finally {
      await hosted.close();
    }
  });
});
