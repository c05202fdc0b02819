import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { projectRoot } from '../../server/config.ts';
import { serveStatic } from '../../scripts/static-server.ts';
import { useReaderServer } from '../support/reader-server.ts';
import { runnableBlock } from '../support/runnable-block.ts';
import { authRegistry } from '../support/registry.ts';
import type { NotebookWindow } from '../support/notebook-window.ts';

const registry = authRegistry();
const shots = path.join(projectRoot, '.cache', 'test-results');

const served = useReaderServer();

describe('a docs page as a notebook, in Chromium', () => {
  it('runs a block: output in its xterm pane, then its exit code', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    const b = runnableBlock(page, 0);
    await b.figure.locator('.rdn-run-button').click();
    await expect.poll(b.state, { timeout: 120_000 }).toBe('ok');
    expect(await b.status()).toMatch(/^exit 0 · \d/);
    expect(await b.text()).toContain('CONTAINER ID');
    expect(page.url()).toBe(`${served.app.server.url}/example-commands/`);
    await context.close();
  });

  it('takes typing into an interactive run (docker run -t -i ubuntu /bin/bash)', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    const i = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('figure[data-run-command]')].findIndex(
        (f) => f.dataset.runCommand === 'docker run -t -i ubuntu /bin/bash',
      ),
    );
    const b = runnableBlock(page, i);
    await b.figure.locator('.rdn-run-button').click();
    await expect.poll(b.text, { timeout: 120_000 }).toMatch(/root@\w+:\/#/);
    await page.locator('.rdn-pane').nth(i).locator('.xterm').click();
    await page.keyboard.type('echo "shell is $0"');
    await page.keyboard.press('Enter');
    await expect.poll(b.text).toContain('shell is /bin/bash');
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await expect.poll(b.state).toBe('ok');
    await page.screenshot({ path: path.join(shots, 'interactive-run.png'), fullPage: false });
    await context.close();
  });

  it('Run all stops at the first block that cannot end as expected; the blocks after it are not run', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    const count = await page.locator('figure[data-run-command]').count();
    const stopAt = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('figure[data-run-command]')].findIndex((f) => f.dataset.runCommand!.includes('<container_id>')),
    );
    // The interactive block waits for typing: leave it as soon as it opens.
    const interactive = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('figure[data-run-command]')].findIndex((f) => f.dataset.runInteractive === 'true'),
    );
    await page.click('.rdn-run-all');
    await expect.poll(() => runnableBlock(page, interactive).text(), { timeout: 120_000 }).toMatch(/root@\w+:\/#/);
    await page.locator('.rdn-pane').nth(interactive).locator('.xterm').click();
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.rdn-bar-status').innerText(), { timeout: 120_000 }).toMatch(/^Stopped at block/);
    for (let i = 0; i < stopAt; i++) expect(await runnableBlock(page, i).state(), `block ${i}`).toBe('ok');
    expect(await runnableBlock(page, stopAt).state()).toBe('failed');
    expect(await runnableBlock(page, stopAt).status()).toMatch(/Fill in <container_id> first/);
    for (let i = stopAt + 1; i < count; i++) expect(await runnableBlock(page, i).state(), `block ${i}`).toBe('skipped');
    await page.screenshot({ path: path.join(shots, 'run-all-stopped.png'), fullPage: true });
    await context.close();
  });

  it('runs the image page top to bottom: files written, build, run, port answered, login/tag/push/pull', async () => {
    const { context, page } = await served.openReader('/creating-an-image/');
    // A plain server (no registry settings) uses the local auth registry, and the page says which account to type.
    const note = page.locator('.rdn-registry-note');
    await expect.poll(() => note.innerText(), { timeout: 30_000 }).toContain(registry.password);
    expect(await note.innerText()).toContain(registry.user);
    expect(await page.locator('input.rdn-ph[data-ph="username"]').first().inputValue()).toBe(registry.user);
    const typed = await note.locator('code').nth(2).innerText();
    await page.click('.rdn-run-all');
    const login = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('figure[data-run-command]')].findIndex((f) => f.dataset.runCommand!.startsWith('docker login')),
    );
    await expect.poll(() => runnableBlock(page, login).text(), { timeout: 180_000 }).toMatch(/Password:\s*$/);
    await page.locator('.rdn-pane').nth(login).locator('.xterm').click();
    await page.keyboard.type(typed);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.rdn-bar-status').innerText(), { timeout: 240_000 }).toMatch(/^All \d+ blocks ran as expected/);
    const files = page.locator('figure[data-file]');
    expect(await files.count()).toBe(2);
    for (const f of await files.all()) expect(await f.locator('.rdn-run-status').innerText()).toMatch(/written to \/workspace\//);
    const states = await page.locator('figure[data-run-command]').evaluateAll((fs) => fs.map((f) => (f as HTMLElement).dataset.runState));
    expect(
      states.every((s) => s === 'ok'),
      states.join(','),
    ).toBe(true);
    await page.screenshot({ path: path.join(shots, 'image-page-run-all.png'), fullPage: true });
    await context.close();
  });

  it('the session panel lists a container as it is created and drops it when removed; a published port links to its page', async () => {
    const { context, page } = await served.openReader('/creating-an-image/');
    await page.click('.rdn-panel-toggle');
    const panel = page.locator('.session-panel');
    const containers = panel.locator('section').first();
    await page.locator('figure[data-file]').first().waitFor();
    // Build and run the app: the file blocks are written first, by the page itself.
    const runIdx = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('figure[data-run-command]')].findIndex((f) =>
        f.dataset.runCommand!.startsWith('docker run -d -p 4000:80'),
      ),
    );
    await runnableBlock(page, runIdx).figure.locator('.rdn-to-here-button').click();
    await expect.poll(() => runnableBlock(page, runIdx).state(), { timeout: 180_000 }).toBe('ok');
    await containers.locator('li', { hasText: 'pythonhello' }).first().waitFor({ timeout: 30_000 });
    const link = runnableBlock(page, runIdx).figure.locator('a.rdn-port-link');
    await link.waitFor({ timeout: 30_000 });
    const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await tab.waitForLoadState();
    expect(await tab.locator('body').innerText()).toMatch(/Hello World/);
    await page.evaluate(async () => {
      const nb = (window as NotebookWindow).rdnNotebook;
      await nb.blocks[0]!.run('docker rm -f pythonhello');
    });
    await expect.poll(() => containers.locator('li', { hasText: 'pythonhello' }).count(), { timeout: 30_000 }).toBe(0);
    await page.screenshot({ path: path.join(shots, 'session-panel.png') });
    await context.close();
  });

  it('a reload in the middle of a run shows every line exactly once, in order, and keeps following', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    // Start a run for the first block of the page through the API, as the page itself would.
    const origin = served.app.server.url;
    const session = await page.evaluate(async () => (await (await fetch('/api/sessions', { method: 'POST' })).json()).id as string);
    const started = await page.evaluate(
      async ([sid]) => {
        const r = await fetch(`/api/sessions/${sid}/runs`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ command: 'for i in $(seq 1 60); do echo "n=$i"; sleep 0.1; done', block: '/example-commands#0' }),
        });
        return (await r.json()).id as string;
      },
      [session],
    );
    expect(started).toMatch(/-/);
    await page.goto(`${origin}/example-commands/`);
    await expect.poll(() => runnableBlock(page, 0).text(), { timeout: 30_000 }).toContain('n=5');
    await page.reload();
    await expect.poll(() => runnableBlock(page, 0).text(), { timeout: 30_000 }).toContain('n=60');
    await expect.poll(() => runnableBlock(page, 0).state(), { timeout: 30_000 }).toBe('ok');
    const lines = (await runnableBlock(page, 0).text()).split('\n').filter((l) => l.startsWith('n='));
    expect(lines).toEqual(Array.from({ length: 60 }, (_, i) => `n=${i + 1}`));
    await context.close();
  });

  it('a reload with the terminal open re-attaches to the same shell: what it showed, its own variables, and no second shell', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    const term = page.locator('.terminal-dock-body .xterm-rows');
    await page.locator('.rdn-terminal-toggle').click();
    await expect.poll(() => term.innerText(), { timeout: 60_000 }).toMatch(/\$\s*$/);
    // A variable of this shell only (not exported): only the same shell can print it again.
    await page.keyboard.type('MARK=dock-$((6*7)); echo "one-$MARK"\n');
    await expect.poll(() => term.innerText(), { timeout: 30_000 }).toContain('one-dock-42');
    await page.reload();
    await page.waitForFunction(() => 'rdnNotebook' in window);
    await page.locator('.rdn-terminal-toggle').click();
    await expect.poll(() => term.innerText(), { timeout: 60_000, message: 'the shell, replayed' }).toContain('one-dock-42');
    await page.keyboard.type('echo "again-$MARK"\n');
    await expect.poll(() => term.innerText(), { timeout: 30_000, message: 'the same shell took the line' }).toContain('again-dock-42');
    const live = await page.evaluate(async () => {
      const { id } = (await (await fetch('/api/sessions/current')).json()) as { id: string };
      const runs = (await (await fetch(`/api/sessions/${id}/runs`)).json()) as Array<{ kind: string; status: string }>;
      return runs.filter((r) => r.kind === 'terminal' && r.status === 'running').length;
    });
    expect(live, 'shells running in the session after the reload').toBe(1);
    await context.close();
  });

  it('a terminal wider than the server takes (a very wide screen) opens at the widest size it may have, not refused', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    // About 1000 columns of 13 px type: twice what a run may have.
    await page.setViewportSize({ width: 8000, height: 900 });
    const term = page.locator('.terminal-dock-body .xterm-rows');
    await page.locator('.rdn-terminal-toggle').click();
    await expect.poll(() => term.innerText(), { timeout: 60_000, message: 'a prompt in the wide terminal' }).toMatch(/\$\s*$/);
    await page.keyboard.type('echo "size-$(stty size)"\n');
    await expect.poll(() => term.innerText(), { timeout: 30_000 }).toMatch(/size-\d+ 500\b/);
    // Narrower again: the terminal follows, and so does the shell's size.
    await page.setViewportSize({ width: 1000, height: 900 });
    await page.keyboard.type('echo "now-$(stty size)"\n');
    await expect.poll(() => term.innerText(), { timeout: 30_000 }).toMatch(/now-\d+ (\d{2,3})\b/);
    const cols = Number(/now-\d+ (\d+)/.exec(await term.innerText())?.[1]);
    expect(cols).toBeGreaterThan(40);
    expect(cols).toBeLessThan(200);
    await context.close();
  });

  it('search finds a page by a word in its body', async () => {
    const { context, page } = await served.openReader('/');
    await page.locator('.search input').first().fill('xhyve');
    // The search UI loads on first use; it takes over what was typed.
    await page.locator('.pagefind-ui__search-input').waitFor();
    const result = page.locator('.pagefind-ui__result-link').first();
    await result.waitFor({ timeout: 15_000 });
    expect(await result.getAttribute('href')).toMatch(/\/questions\/?$/);
    await context.close();
  });

  it("the static build, with no server, shows each block's recorded output and says why Run cannot work", async () => {
    const site: http.Server = await serveStatic(path.join(projectRoot, 'dist'));
    const { port } = site.address() as { port: number };
    const context = await served.browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/example-commands/`);
    await page.waitForSelector('body[data-static] .rdn-recorded');
    const first = page.locator('.rdn-recorded').first();
    expect(await first.locator('.rdn-recorded-label').innerText()).toMatch(/^Recorded output \(exit 0, \d{4}-\d\d-\d\d\)/);
    expect(await first.locator('pre').innerText()).toContain('CONTAINER ID');
    expect(await page.locator('.rdn-run-button').first().isDisabled()).toBe(true);
    expect(await page.locator('.rdn-bar-status').innerText()).toMatch(/No notes server answers here/);
    await page.screenshot({ path: path.join(shots, 'static-fallback.png') });
    await context.close();
    site.close();
  });
});
