/**
 * A team's own runbook, end to end: a page in a nested folder of a copy of the site is built,
 * shows in its sidebar group, runs in Chromium with an edited block (kept through a reload,
 * marked, reset), and `npm run docs:test -- <that page>` runs it alone with the page's own text.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { launchBrowser } from '../support/browser.ts';
import { requireEngine } from '../support/engine.ts';
import { copySite, type SiteCopy } from '../support/site-copy.ts';
import type { NotebookWindow } from '../support/notebook-window.ts';

const PAGE = 'docs/team/runbooks/greet.mdx';
const SOURCE = `---
title: Greet the team
description: A runbook of the team.
order: 2
placeholders:
  - name: team_name
    description: the team to greet
    example: platform
    test: platform
---

The greeting goes into a file first.

\`\`\`text file=greeting.txt
Hello from the runbook
\`\`\`

\`\`\`shell expect=/Hello\\sfrom\\sthe\\srunbook/
cat greeting.txt
\`\`\`

\`\`\`shell expect=/hi\\splatform/
echo "hi <team_name>"
\`\`\`
`;

// Two file blocks of one name, each followed by a block that reads it.
const TWO_FILES = 'docs/team/runbooks/two-versions.mdx';
const TWO_FILES_SOURCE = `---
title: Two versions
description: A file written twice.
order: 3
---

\`\`\`text file=app.txt
version one
\`\`\`

\`\`\`shell
cat app.txt
\`\`\`

\`\`\`text file=app.txt
version two
\`\`\`

\`\`\`shell
cat app.txt
\`\`\`
`;

let site: SiteCopy;
let app: AppServer | undefined;
let browser: Browser;

beforeAll(async () => {
  await requireEngine();
  site = copySite();
  site.write('docs/team/runbooks/_section.json', '{ "title": "Team runbooks", "order": 5 }\n');
  site.write(PAGE, SOURCE);
  site.write(TWO_FILES, TWO_FILES_SOURCE);
  const built = await site.build();
  if (built.code !== 0) throw new Error(`the copy with ${PAGE} did not build (exit ${built.code}):\n${built.output.slice(-4000)}`);
  app = await startAppServer({ SITE_DIR: `${site.root}/dist` });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  site?.remove();
});

describe('a runbook in docs/team/runbooks/', () => {
  it('is in its sidebar group and runs in Chromium with an edited block', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${app!.server.url}/team/runbooks/greet/?token=${app!.token}`);
    await page.waitForFunction(() => 'rdnNotebook' in window);

    const group = page.locator('nav.sidebar section[data-section="team/runbooks"]');
    expect(await group.locator('.sidebar-group-title').innerText()).toMatch(/Team runbooks/i);
    expect(await group.locator('a[aria-current="page"]').innerText()).toBe('Greet the team');

    const figure = page.locator('figure[data-run-command]').nth(1);
    const state = () => figure.getAttribute('data-run-state');
    const text = () => page.evaluate(() => (window as NotebookWindow).rdnNotebook.blocks[1]!.text);
    await figure.locator('.rdn-edit-button').click();
    await figure.locator('.rdn-edit-box').fill('echo "edited for <team_name>: $((6*7))"');
    await figure.locator('input.rdn-ph[data-ph="team_name"]').fill('ops');
    expect(await figure.getAttribute('data-edited'), 'an edited block is marked as changed').toBe('');
    await figure.locator('.rdn-run-button').click();
    await expect.poll(state, { timeout: 120_000 }).toBe('ok');
    expect(await text()).toContain('edited for ops: 42');

    await page.reload();
    await page.waitForFunction(() => 'rdnNotebook' in window);
    expect(await figure.locator('.rdn-edit-box').inputValue(), 'the edit is kept through a reload').toBe('echo "edited for <team_name>: $((6*7))"');
    expect(await figure.getAttribute('data-edited')).toBe('');
    expect(await figure.getAttribute('data-run-command'), "the page's own text is unchanged").toBe('echo "hi <team_name>"');
    await figure.locator('.rdn-reset-button').click();
    expect(await figure.getAttribute('data-edited'), 'Reset goes back to the page text').toBeNull();
    await page.reload();
    expect(await figure.getAttribute('data-edited')).toBeNull();
    await context.close();
  });

  it('two file blocks of one name: each block reads the version written above it, in any order of Runs', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${app!.server.url}/team/runbooks/two-versions/?token=${app!.token}`);
    await page.waitForFunction(() => 'rdnNotebook' in window);
    const run = async (i: number) => {
      const figure = page.locator('figure[data-run-command]').nth(i);
      await figure.locator('.rdn-run-button').click();
      await expect.poll(() => figure.getAttribute('data-run-state'), { timeout: 120_000 }).toBe('ok');
      return page.evaluate((n) => (window as NotebookWindow).rdnNotebook.blocks[n]!.text, i);
    };
    expect(await run(1), 'the second reader, first: the second version').toContain('version two');
    // The first version was written before (on the way to the second): it must be written again.
    expect(await run(0), 'then the first reader: the first version again').toContain('version one');
    expect(await run(1)).toContain('version two');
    await context.close();
  });

  it('runs alone under `npm run docs:test -- docs/team/runbooks/greet.mdx`', async () => {
    const r = await site.node(['scripts/run-tests.mjs', 'docs', PAGE]);
    expect(r.code, `docs:test on the page ended with ${r.code}:\n${r.output.slice(-4000)}`).toBe(0);
    // Its file block, its two run blocks, and the page's entry in the workshop manifest.
    expect(r.output).toMatch(/docs: 4 passed, 0 failed, 0 skipped/);
    expect(r.output).toContain('ran 2 blocks and 0 checks and wrote 1 file blocks on 1 pages');
    expect(r.output).toContain('page /team/runbooks/greet/');
    expect(r.output, 'only the page asked for runs').not.toContain('page /example-commands/');
  });
});
