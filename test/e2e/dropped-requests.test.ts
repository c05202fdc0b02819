import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useReaderServer } from '../support/reader-server.ts';

const served = useReaderServer();

/**
 * Makes the browser drop (reset) the first request of every API call the page makes (method + path),
 * as a kept-alive connection that the server closes just when the page reuses it would. Returns the
 * calls that were dropped.
 */
async function dropFirstOfEach(page: Page): Promise<string[]> {
  const dropped: string[] = [];
  await page.route(/\/api\//, async (route) => {
    const r = route.request();
    const key = `${r.method()} ${new URL(r.url()).pathname}`;
    if (dropped.includes(key)) return route.continue();
    dropped.push(key);
    return route.abort('connectionreset');
  });
  return dropped;
}

describe('requests the network drops', () => {
  it('every API call dropped once: the page still finds its server, runs a block and opens the terminal', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    const dropped = await dropFirstOfEach(page);
    await page.reload();
    await page.waitForFunction(() => 'rdnNotebook' in window);
    await expect.poll(() => page.locator('.engine-status').innerText(), { timeout: 30_000 }).toMatch(/Docker engine \d/);

    const block = page.locator('figure[data-run-command]').first();
    await block.locator('.rdn-run-button').click();
    await expect.poll(() => block.getAttribute('data-run-state'), { timeout: 120_000 }).toMatch(/^(ok|failed)$/);
    expect(await block.getAttribute('data-run-state'), await block.locator('.rdn-run-status').innerText()).toBe('ok');

    await page.locator('.rdn-terminal-toggle').click();
    const term = page.locator('.terminal-dock-body .xterm-rows');
    await expect.poll(() => term.innerText(), { timeout: 60_000 }).toMatch(/\$\s*$/);
    expect(await term.innerText()).not.toMatch(/not reachable/);

    expect(dropped, 'the health check, the session, the run and the terminal were each dropped once').toEqual(
      expect.arrayContaining(['GET /api/health', 'POST /api/sessions', expect.stringMatching(/^POST \/api\/sessions\/[^/]+\/runs$/)]),
    );
    expect(
      dropped.some((d) => /terminal/.test(d)),
      `dropped: ${dropped.join(', ')}`,
    ).toBe(true);
    await context.close();
  });

  it('a Run whose answer the network lost after the server started it: the block runs once and shows that run', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    let lost = 0;
    await page.route(/\/api\/sessions\/[^/]+\/runs$/, async (route) => {
      if (route.request().method() !== 'POST' || lost > 0) return route.continue();
      lost++;
      // The server gets the request and starts the run; its answer never reaches the page.
      await route.fetch();
      return route.abort('connectionreset');
    });
    const block = page.locator('figure[data-run-command]').first();
    await block.locator('.rdn-run-button').click();
    await expect.poll(() => block.getAttribute('data-run-state'), { timeout: 120_000 }).toMatch(/^(ok|failed)$/);
    expect(await block.getAttribute('data-run-state'), await block.locator('.rdn-run-status').innerText()).toBe('ok');
    expect(lost, 'the first answer was lost').toBe(1);
    const runs = await page.evaluate(async () => {
      const { id } = (await (await fetch('/api/sessions/current')).json()) as { id: string };
      return ((await (await fetch(`/api/sessions/${id}/runs`)).json()) as Array<{ kind: string }>).filter((r) => r.kind === 'block').length;
    });
    expect(runs, 'runs of the block in the session').toBe(1);
    await context.close();
  });

  it('a server that stays unreachable: the Run says so, with what to do', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    await page.route(/\/api\//, (route) => route.abort('connectionrefused'));
    const block = page.locator('figure[data-run-command]').first();
    await block.locator('.rdn-run-button').click();
    await expect
      .poll(() => block.innerText(), { timeout: 30_000 })
      .toMatch(/The notes server is not reachable\. Start it with `npm start` and reload\./);
    expect(await block.getAttribute('data-run-state')).not.toBe('ok');
    await context.close();
  });
});
