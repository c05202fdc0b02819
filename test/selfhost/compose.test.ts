import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../server/docker/labels.ts';
import { hashPassword } from '../../server/security/password.ts';
import { launchBrowser } from '../support/browser.ts';
import { buildNotesImage, runCommand, startComposeStack, waitHealthy, type ComposeStack } from '../support/compose-stack.ts';
import { requireEngine } from '../support/engine.ts';
import type { NotebookWindow } from '../support/notebook-window.ts';

// The self-hosted image, built and run as HOSTING.md says for a machine that reaches no registry:
// scripts/build-notes-image.sh, then compose.yaml with compose.offline.yaml. The server in the
// container drives this engine through its socket and makes the sandboxes beside it.
const PASSWORD = 'selfhost-class-password';
const SANDBOX_IMAGE = process.env.SANDBOX_IMAGE ?? 'runnable-docker-notes/sandbox:latest';
let stack: ComposeStack | undefined;
let browser: Browser | undefined;
/** The signed-in reader's page, shared by the tests that follow the sign-in. */
let page: Page;

beforeAll(async () => {
  await requireEngine();
  await buildNotesImage();
  stack = await startComposeStack({ passwordHash: hashPassword(PASSWORD), sandboxImage: SANDBOX_IMAGE, files: ['compose.offline.yaml'] });
  await waitHealthy(stack);
  browser = await launchBrowser();
}, 900_000);

// Runs on failure too: the stack and every sandbox the contained server made are gone afterwards.
afterAll(async () => {
  await browser?.close();
  await stack?.remove();
}, 300_000);

/** A run through the HTTP API and its WebSocket stream, from inside the signed-in page (its cookie, its origin). */
async function runInPage(page: Page, command: string): Promise<{ status: number; exitCode?: number; text: string }> {
  return page.evaluate(async (cmd) => {
    const current = await (await fetch('/api/sessions/current')).json();
    const session = current.id ?? (await (await fetch('/api/sessions', { method: 'POST' })).json()).id;
    const res = await fetch(`/api/sessions/${session}/runs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: cmd }),
    });
    if (res.status !== 201) return { status: res.status, text: await res.text() };
    const { id } = await res.json();
    return new Promise((resolve) => {
      const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/runs/${id}/stream?since=0`);
      ws.binaryType = 'arraybuffer';
      const decoder = new TextDecoder();
      let text = '';
      let exitCode: number | undefined;
      ws.onmessage = (e) => {
        if (typeof e.data === 'string') {
          const m = JSON.parse(e.data);
          if (m.type === 'exit') exitCode = m.exitCode;
        } else text += decoder.decode(e.data, { stream: true });
      };
      ws.onclose = () => resolve({ status: 201, exitCode, text });
    });
  }, command);
}

describe('the self-hosted image, run by compose as HOSTING.md says', () => {
  it('signs in through the login form, runs a page block and a docker run through the API, inside the container', async () => {
    const context = await browser!.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    await page.goto(`${stack!.url}/example-commands/`);
    expect(new URL(page.url()).pathname, 'an unsigned visit goes to the login page').toBe('/login');
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.pathname !== '/login');

    await page.goto(`${stack!.url}/example-commands/`);
    await page.waitForFunction(() => 'rdnNotebook' in window);
    const i = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('figure[data-run-command]')].findIndex((f) => f.dataset.runCommand === 'docker ps -a'),
    );
    const figure = page.locator('figure[data-run-command]').nth(i);
    await figure.locator('.rdn-run-button').click();
    await expect.poll(() => figure.getAttribute('data-run-state'), { timeout: 180_000, message: 'the docker ps -a block ends ok' }).toBe('ok');
    expect(await figure.locator('.rdn-run-status').innerText()).toMatch(/^exit 0 · \d/);
    // The pane's text as the notebook keeps it (xterm draws it, so it is not the figure's innerText).
    expect(await page.evaluate((n) => (window as NotebookWindow).rdnNotebook.blocks[n]!.text, i)).toContain('CONTAINER ID');

    // A pull through the local read-only mirror that compose.offline.yaml attaches.
    const run = await runInPage(page, 'docker run --rm ubuntu echo hello-from-selfhost');
    expect(run.status, `POST runs answered: ${run.text}`).toBe(201);
    expect(run.text, 'the run output').toContain('hello-from-selfhost');
    expect(run.exitCode, `exit code of the run; its output:\n${run.text}`).toBe(0);

    // The sandbox is this server's: labelled with the INSTANCE the compose environment gave it.
    const sandboxes = await runCommand('docker', ['ps', '-q', '--filter', `label=${LABELS.instance}=${stack!.instance}`]);
    expect(sandboxes.output.trim(), 'a running sandbox of the contained server').not.toBe('');
  });

  it("opens a published port's page through the port link (the notes container joins the session's network)", async () => {
    const run = await runInPage(
      page,
      'mkdir -p site && echo "<h1>served from the selfhost sandbox</h1>" > site/index.html && docker run -d --name web -p 4000:80 -v "$PWD/site:/srv" -w /srv python:3.12-slim python3 -m http.server 80',
    );
    expect(run.exitCode, `exit code of docker run -d; its output:\n${run.text}`).toBe(0);
    const session = await page.evaluate(async () => (await (await fetch('/api/sessions/current')).json()).id as string);
    // The server starting in the container answers 502 until python listens.
    await expect
      .poll(
        async () => {
          const res = await page.goto(`${stack!.url}/ports/${session}/4000/`);
          return `${res?.status()} ${await page.locator('body').innerText()}`;
        },
        { timeout: 120_000, interval: 1000, message: 'the port link shows the page the sandbox serves' },
      )
      .toMatch(/^200 served from the selfhost sandbox/);
    await page.context().close();
  });

  it('every container of the stack keeps running: none exits or restarts (offline, the cache cannot reach Docker Hub)', async () => {
    const ids = (await runCommand('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${stack!.project}`])).output
      .split(/\s+/)
      .filter(Boolean);
    expect(ids.length, 'the stack has the notes server and the registry cache').toBeGreaterThanOrEqual(2);
    const states = (await runCommand('docker', ['inspect', '-f', '{{.Name}} {{.State.Status}} restarts={{.RestartCount}}', ...ids])).output
      .trim()
      .split('\n');
    for (const line of states) expect(line, `a container of the stack: ${states.join('; ')}`).toMatch(/ running restarts=0$/);
  });

  it('`down -v` stops the server, which removes its sandboxes: nothing of the stack is left', async () => {
    const down = await stack!.compose('down', '-v', '--timeout', '60');
    expect(down.status, `down failed:\n${down.output}`).toBe(0);
    const left = await runCommand('docker', ['ps', '-a', '--format', '{{.Names}}', '--filter', `label=${LABELS.instance}=${stack!.instance}`]);
    expect(left.output.trim(), 'sandboxes left after down').toBe('');
    const project = await runCommand('docker', [
      'ps',
      '-a',
      '--format',
      '{{.Names}}',
      '--filter',
      `label=com.docker.compose.project=${stack!.project}`,
    ]);
    expect(project.output.trim(), 'containers of the compose project left after down').toBe('');
    const networks = await runCommand('docker', [
      'network',
      'ls',
      '--format',
      '{{.Name}}',
      '--filter',
      `label=${LABELS.instance}=${stack!.instance}`,
    ]);
    expect(networks.output.trim(), 'session networks left after down').toBe('');
  });
});
