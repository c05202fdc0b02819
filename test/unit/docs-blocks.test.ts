/**
 * docs:test reads blocks back from the built HTML: these tests render the blocks with the Run
 * plugin itself, through Expressive Code, so what the plugin writes and what docs:test reads can
 * never drift apart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExpressiveCodeEngine } from '@expressive-code/core';
import { toHtml } from '@expressive-code/core/hast';
import { pluginFrames } from '@expressive-code/plugin-frames';
import { afterAll, describe, expect, it } from 'vitest';
import { pluginRunButton } from '../../src/code-blocks/run-button-plugin.ts';
import { blocksOfHtml, plainText, selectedUrls, withRegistryPlaceholder } from '../support/docs-blocks.ts';

// Frames as on the site (astro-expressive-code's default): they make each block a <figure>.
const engine = new ExpressiveCodeEngine({ plugins: [pluginFrames(), pluginRunButton()] });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-blocks-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Fence = { language: string; meta?: string; code: string };

/** The HTML the plugin renders for these fences of one page (declaring `container_id`). */
async function renderPage(fences: Fence[]): Promise<string> {
  const file = path.join(dir, `page-${Math.random().toString(36).slice(2)}.mdx`);
  const frontmatter = 'placeholders:\n  - name: container_id\n    description: a running container\n    example: web\n    test: hello\n';
  const body = fences.map((f) => `\`\`\`${f.language} ${f.meta ?? ''}\n${f.code}\n\`\`\`\n`).join('\n');
  fs.writeFileSync(file, `---\ntitle: T\n${frontmatter}---\n\n${body}`);
  let html = '';
  for (const f of fences) {
    const { renderedGroupAst } = await engine.render({
      code: f.code,
      language: f.language,
      meta: f.meta ?? '',
      parentDocument: { sourceFilePath: file },
    });
    html += toHtml(renderedGroupAst);
  }
  return html;
}

describe('reading blocks back from what the Run plugin rendered', () => {
  it('finds file and run blocks in page order, with their meta', async () => {
    const html = await renderPage([
      { language: 'python', meta: 'file=app.py', code: 'print("hi")' },
      { language: 'shell', meta: 'expect=/Successfully|naming/ timeout=300', code: '$ docker build -t pythonhello .' },
      { language: 'shell', meta: 'interactive', code: 'docker run -t -i ubuntu /bin/bash' },
      { language: 'shell', meta: 'exit=1', code: 'false' },
      { language: 'shell', meta: 'norun reason="shown only"', code: 'rm -rf /' },
      { language: 'text', code: 'plain text' },
    ]);
    expect(blocksOfHtml(html)).toEqual([
      { kind: 'file', path: 'app.py', content: 'print("hi")\n' },
      {
        kind: 'run',
        index: 0,
        command: 'docker build -t pythonhello .',
        exit: 0,
        expect: /Successfully|naming/,
        timeoutSeconds: 300,
        interactive: false,
        login: false,
      },
      { kind: 'run', index: 1, command: 'docker run -t -i ubuntu /bin/bash', exit: 0, interactive: true, login: false },
      { kind: 'run', index: 2, command: 'false', exit: 1, interactive: false, login: false },
    ]);
  });

  it('keeps a command with > in it whole', async () => {
    const html = await renderPage([{ language: 'shell', code: 'ls 2>/dev/null -> x' }]);
    expect(blocksOfHtml(html)).toEqual([{ kind: 'run', index: 0, command: 'ls 2>/dev/null -> x', exit: 0, interactive: false, login: false }]);
  });

  it("reads the page's test values, ci=skip and login from a block", async () => {
    const html = await renderPage([
      { language: 'shell', meta: 'ci=skip reason="needs a cloud account"', code: 'docker top <container_id>' },
      { language: 'shell', meta: 'login', code: 'docker login' },
    ]);
    expect(blocksOfHtml(html)).toEqual([
      {
        kind: 'run',
        index: 0,
        command: 'docker top <container_id>',
        exit: 0,
        interactive: false,
        login: false,
        testValues: { container_id: 'hello' },
        ciSkip: 'needs a cloud account',
      },
      { kind: 'run', index: 1, command: 'docker login', exit: 0, interactive: false, login: true },
    ]);
  });
});

describe('terminal output as text', () => {
  it('turns terminal output into plain text', () => {
    expect(plainText('\x1b[31mred\x1b[0m\r\nnext\r\n')).toBe('red\nnext\n');
    expect(plainText('10%\r50%\r100%\r\ndone')).toBe('100%\ndone');
  });
});

describe('recorded outputs', () => {
  it("show <registry> where the test run's registry host was", () => {
    const out = 'The push refers to repository [registry-auth:5000/notes/pythonhello]\nregistry-auth:5000/notes/pythonhello:latest';
    expect(withRegistryPlaceholder(out, 'registry-auth:5000')).toBe(
      'The push refers to repository [<registry>/notes/pythonhello]\n<registry>/notes/pythonhello:latest',
    );
  });
});

describe('docs:test for one page or folder', () => {
  it('maps a page or folder under docs/ to its URL', () => {
    const root = '/project';
    expect(selectedUrls('docs/runbooks/deploy.mdx', root)).toEqual({ url: '/runbooks/deploy/', folder: false });
    expect(selectedUrls('/project/docs/runbooks/', root)).toEqual({ url: '/runbooks/', folder: true });
    expect(selectedUrls('docs/index.mdx', root)).toEqual({ url: '/', folder: false });
    expect(() => selectedUrls('src/pages', root)).toThrow(/a page or a folder under docs\//);
  });

  it('takes a page or folder by its name under docs/, as a reader types it', () => {
    const project = path.resolve(import.meta.dirname, '../..');
    expect(selectedUrls('questions', project)).toEqual({ url: '/questions/', folder: false });
    expect(selectedUrls('/questions/', project)).toEqual({ url: '/questions/', folder: false });
    expect(selectedUrls('writing/runbook-template', project)).toEqual({ url: '/writing/runbook-template/', folder: false });
    expect(selectedUrls('writing', project)).toEqual({ url: '/writing/', folder: true });
    expect(() => selectedUrls('no-such-page', project)).toThrow(/a page or a folder under docs\//);
  });
});
