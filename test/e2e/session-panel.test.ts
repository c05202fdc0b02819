/**
 * The session panel's feed in Chromium when its session goes away underneath it: restarted from
 * another tab or a script. The panel must say so and stop knocking on a session that is gone
 * (it used to reconnect every 2 s, for as long as the tab stayed open), then follow the page's
 * next session.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SESSION_ENDED } from '../../src/client/session-panel.ts';
import { useReaderServer } from '../support/reader-server.ts';

const served = useReaderServer();

/** Runs the page's first block (`docker ps`) to its end. */
async function runFirstBlock(page: Page): Promise<void> {
  const figure = page.locator('figure[data-run-command]').first();
  await figure.locator('.rdn-run-button').click();
  await expect.poll(() => figure.getAttribute('data-run-state'), { timeout: 120_000, message: 'the first block ends ok' }).toBe('ok');
}

const currentSession = (page: Page) => page.evaluate(async () => ((await (await fetch('/api/sessions/current')).json()) as { id: string | null }).id);

describe('the session panel when its session ends elsewhere', () => {
  it('says the session ended, stops reconnecting to it, and follows the next session', async () => {
    const { context, page } = await served.openReader('/example-commands/');
    // Every socket the page opens to a session's feed, by session id.
    const feeds: string[] = [];
    page.on('websocket', (ws) => {
      const m = /\/api\/sessions\/([^/]+)\/events/.exec(ws.url());
      if (m) feeds.push(m[1]!);
    });
    await page.click('.rdn-panel-toggle');
    const body = page.locator('.session-panel-body');
    await runFirstBlock(page);
    await body.locator('h3', { hasText: 'Containers' }).waitFor({ timeout: 30_000 });
    const first = await currentSession(page);
    expect(first, 'the page has a session after its first Run').toBeTruthy();

    // Restarted elsewhere: the session and its sandbox are removed behind the page's back.
    expect(await served.app.api.deleteSession(first!)).toBe(204);
    await expect.poll(() => body.innerText(), { message: 'the panel says its session ended' }).toContain(SESSION_ENDED);
    const feedsToFirst = feeds.filter((id) => id === first).length;

    // The next Run makes a new session (a sandbox is made, seconds during which the old panel
    // knocked on the gone session several times); the panel follows it, and never the old one again.
    await runFirstBlock(page);
    await body.locator('h3', { hasText: 'Containers' }).waitFor({ timeout: 30_000 });
    const second = await currentSession(page);
    expect(second, 'the second Run made a new session').not.toBe(first);
    expect(feeds, 'the panel connects to the new session').toContain(second);
    expect(
      feeds.filter((id) => id === first).length,
      `feeds opened to the ended session ${first} after it ended (all feeds: ${feeds.join(', ')})`,
    ).toBe(feedsToFirst);
    await context.close();
  });
});
