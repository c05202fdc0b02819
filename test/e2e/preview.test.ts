/**
 * `npm run dev` end to end in Chromium, in a copy of the site: the page is served by the preview
 * with live reload (a saved change appears without reloading by hand), and Run works on it
 * through the same origin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { requireEngine } from '../support/engine.ts';
import { copySite, type SiteCopy } from '../support/site-copy.ts';
import type { NotebookWindow } from '../support/notebook-window.ts';

const PAGE = 'docs/preview-check.mdx';
const page = (line: string) => `---\ntitle: Preview check\norder: 99\n---\n\n${line}\n\n\`\`\`shell expect=/preview-ok/\necho preview-ok\n\`\`\`\n`;

function withoutTestRunner(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(([k, v]) => v !== undefined && k !== 'NODE_ENV' && k !== 'TEST' && !k.startsWith('VITEST')),
  ) as Record<string, string>;
}

let site: SiteCopy;
let preview: ChildProcess | undefined;
let openUrl = '';
let output = '';
let browser: Browser;

beforeAll(async () => {
  await requireEngine();
  site = copySite();
  site.write(PAGE, page('First version of the text.'));
  preview = spawn(process.execPath, ['scripts/dev.ts'], {
    cwd: site.root,
    // As a person starts it: without the test runner's NODE_ENV=test and VITEST* (Astro's dev server reads them).
    env: {
      ...withoutTestRunner(process.env),
      PORT: '0',
      HOST: '127.0.0.1',
      SKIP_PREPARE: '1',
      INSTANCE: `test-preview-${process.pid}`,
      WARM_POOL: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reap = () => preview?.kill('SIGKILL');
  process.once('exit', reap);
  openUrl = await new Promise<string>((resolve, reject) => {
    const onData = (c: Buffer) => {
      output += c.toString();
      const m = /Runnable Docker notes \(preview\): (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    preview!.stdout!.on('data', onData);
    preview!.stderr!.on('data', onData);
    preview!.once('exit', (code) => reject(new Error(`npm run dev exited with ${code} before it listened:\n${output}`)));
  });
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (preview && preview.exitCode === null) {
    const gone = new Promise((r) => preview!.once('exit', r));
    preview.kill('SIGTERM');
    await gone;
  }
  site?.remove();
});

describe('npm run dev', () => {
  it('serves the pages with live reload, and Run works through the same origin', async () => {
    const origin = new URL(openUrl).origin;
    const context = await browser.newContext();
    const tab = await context.newPage();
    const problems: string[] = [];
    tab.on('pageerror', (e) => problems.push(e.message));
    tab.on('response', (r) => void (r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`)));
    await tab.goto(`${origin}/preview-check/?token=${new URL(openUrl).searchParams.get('token')}`);
    expect(tab.url(), 'the token link is traded for the cookie and dropped from the address').toBe(`${origin}/preview-check/`);
    await tab
      .waitForFunction(() => 'rdnNotebook' in window, undefined, { timeout: 120_000 })
      .catch((e: Error) => {
        throw new Error(
          `the previewed page's script did not start: ${e.message}\nproblems: ${problems.join('\n')}\npreview output:\n${output.slice(-3000)}`,
        );
      });
    expect(await tab.locator('main').innerText()).toContain('First version of the text.');

    site.write(PAGE, page('Second version, saved while the page is open.'));
    await expect
      .poll(
        () =>
          tab
            .locator('main')
            .innerText()
            .catch(() => ''),
        { timeout: 60_000 },
      )
      .toContain('Second version, saved while the page is open.');

    // The dev server may reload the page once more while it bundles a module for the first time
    // (its dependency optimizer): a click that lands just before that reload is lost with the page.
    // Click once the notebook is bound to the block in the DOM, and again if the run did not start.
    const figure = tab.locator('figure[data-run-command]').first();
    for (let attempt = 1; attempt <= 4; attempt++) {
      await tab.waitForFunction(
        () => {
          const nb = (window as unknown as { rdnNotebook?: { blocks: Array<{ el: Element }> } }).rdnNotebook;
          return nb !== undefined && nb.blocks[0]?.el === document.querySelector('figure[data-run-command]');
        },
        undefined,
        { timeout: 120_000 },
      );
      await figure.locator('.rdn-run-button').click();
      const started = await expect
        .poll(() => figure.getAttribute('data-run-state'), { timeout: 15_000 })
        .not.toBeNull()
        .then(
          () => true,
          () => false,
        );
      if (started) break;
    }
    await expect
      .poll(() => figure.getAttribute('data-run-state'), {
        timeout: 120_000,
        message: `the block's run should end ok; problems: ${problems.join('; ')}; preview output: ${output.slice(-2500)}`,
      })
      .toBe('ok');
    expect(await tab.evaluate(() => (window as NotebookWindow).rdnNotebook.blocks[0]!.text)).toContain('preview-ok');

    // The same checks as npm start: an API call from another origin is refused.
    const foreign = await fetch(`${origin}/api/sessions`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(foreign.status, 'a state-changing call from another origin').toBe(403);
    await context.close();
  });
});
