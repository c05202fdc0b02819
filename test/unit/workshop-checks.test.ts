/**
 * Workshop checks at build time: the `check` fence renders a Check button without its script,
 * its mistakes fail the build with file and line, and the manifest (dist/workshop.json) carries
 * each page's block keys, checks and catch-up script to the server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExpressiveCodeEngine } from '@expressive-code/core';
import { toHtml } from '@expressive-code/core/hast';
import { afterAll, describe, expect, it } from 'vitest';
import { pageChecks } from '../../src/code-blocks/page-checks.ts';
import { pluginRunButton } from '../../src/code-blocks/run-button-plugin.ts';
import { runBlockCount, workshopManifest } from '../../src/workshop/workshop-manifest.ts';
import { checksOfHtml, workshopSlug } from '../support/docs-blocks.ts';

const engine = new ExpressiveCodeEngine({ plugins: [pluginRunButton()] });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checks-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const PAGE = [
  '---',
  'title: Images',
  'catchUp: docker build -t myimage .',
  '---',
  '',
  '```shell',
  'docker build -t myimage .',
  '```',
  '',
  '```shell check hint="Run the docker build block first." id="image-built"',
  'docker image inspect myimage >/dev/null',
  '```',
  '',
  '```shell check show-output title="The container answers"',
  'curl -sf http://localhost:4000',
  '```',
  '',
].join('\n');

function pageFile(source: string): string {
  const file = path.join(dir, `page-${Math.random().toString(36).slice(2)}.mdx`);
  fs.writeFileSync(file, source);
  return file;
}

async function render(source: string, code: string, meta: string): Promise<string> {
  const { renderedGroupAst } = await engine.render({ code, language: 'shell', meta, parentDocument: { sourceFilePath: pageFile(source) } });
  return toHtml(renderedGroupAst);
}

async function failure(source: string, code: string, meta: string): Promise<string> {
  try {
    await render(source, code, meta);
  } catch (e) {
    return String((e as Error).message);
  }
  throw new Error(`expected \`\`\`shell ${meta} to fail the build, and it rendered`);
}

describe('the check fence', () => {
  it('renders a Check button and a result area, never the script', async () => {
    const html = await render(PAGE, 'docker image inspect myimage >/dev/null', 'check hint="Run the docker build block first." id="image-built"');
    expect(html).toContain('data-check="image-built"');
    expect(html).toContain('rdn-check-button');
    expect(html).toContain('rdn-check-result');
    expect(html, 'the script must stay out of the HTML').not.toContain('inspect myimage');
    expect(html, 'a check is not a Run block').not.toContain('data-run-command');
    expect(html, 'the hint comes from the server, after a failed check').not.toContain('Run the docker build block first');
  });

  it("numbers checks without an id by their place among the page's checks, and labels them with the title", async () => {
    const html = await render(PAGE, 'curl -sf http://localhost:4000', 'check show-output title="The container answers"');
    expect(html).toContain('data-check="check-1"');
    expect(html).toContain('The container answers');
    expect(html).not.toContain('localhost:4000');
  });

  it('fails the build with file, line and hint on a mistake', async () => {
    const bad = PAGE.replace('id="image-built"', 'id="Image Built"');
    const msg = await failure(bad, 'docker image inspect myimage >/dev/null', 'check hint="Run the docker build block first." id="Image Built"');
    expect(msg).toMatch(/page-\w+\.mdx:10: malformed value in `id="Image Built"`/);
    expect(msg).toContain("Hint: id must be a check's name on its page");
    expect(await failure('```shell hint="x"\nls\n```\n', 'ls', 'hint="x"')).toContain('`hint` only applies to a check');
    expect(await failure('```shell check exit=1\nls\n```\n', 'ls', 'check exit=1')).toContain('`exit` cannot be used on a check');
    const twice = '```shell check id="a"\nls\n```\n\n```shell check id="a"\npwd\n```\n';
    expect(await failure(twice, 'ls', 'check id="a"')).toMatch(/:5: check id "a" is used twice on this page/);
  });
});

describe('the workshop manifest', () => {
  it('reads the checks of a source in page order with their keys', () => {
    expect(pageChecks(PAGE)).toEqual([
      {
        key: 'image-built',
        line: 10,
        script: 'docker image inspect myimage >/dev/null',
        hint: 'Run the docker build block first.',
        showOutput: false,
        title: undefined,
      },
      { key: 'check-1', line: 14, script: 'curl -sf http://localhost:4000', hint: undefined, showOutput: true, title: 'The container answers' },
    ]);
  });

  it('counts the run blocks the page renders, quoted ">" included', () => {
    const html =
      '<figure class="frame" data-run-command="ls 2>/dev/null" data-run-exit="0"></figure><figure class="x"></figure><figure data-file="a" data-run-command="pwd">';
    expect(runBlockCount(html)).toBe(2);
  });

  it('gives each page its block keys as the page sends them, its checks and its catch-up', () => {
    const html = '<figure data-run-command="docker build -t myimage ."></figure>';
    const m = workshopManifest([
      { id: 'images', title: 'Images', catchUp: 'docker build -t myimage .', source: PAGE, html },
      { id: 'index', title: 'Home', source: '# Home\n', html: `${html}${html}` },
      { id: 'writing/runbook-template', title: 'Runbook', source: '', html },
    ]);
    expect(m).toEqual({
      version: 1,
      pages: {
        images: {
          title: 'Images',
          blocks: ['/images#0'],
          checks: {
            'image-built': { script: 'docker image inspect myimage >/dev/null', hint: 'Run the docker build block first.', showOutput: false },
            'check-1': { script: 'curl -sf http://localhost:4000', showOutput: true },
          },
          catchUp: 'docker build -t myimage .',
        },
        index: { title: 'Home', blocks: ['/#0', '/#1'], checks: {} },
        'writing/runbook-template': { title: 'Runbook', blocks: ['/writing/runbook-template#0'], checks: {} },
      },
    });
  });
});

describe('docs:test finds each check at its place in the built page', () => {
  it('counts the file and run blocks above each check', async () => {
    // As the site renders them: Expressive Code's frames make each block a <figure>; a check is the plugin's <div>.
    const check = async (meta: string) =>
      toHtml(
        (
          await engine.render({
            code: 'true',
            language: 'shell',
            meta,
            parentDocument: { sourceFilePath: pageFile(`\`\`\`shell ${meta}\ntrue\n\`\`\`\n`) },
          })
        ).renderedGroupAst,
      );
    const html = [
      '<figure class="frame" data-file="a.sh" data-file-content="echo a>b"></figure>',
      await check('check id="first"'),
      '<figure class="frame" data-run-command="ls 2>/dev/null"></figure><figure class="frame is-terminal"></figure>',
      await check('check id="second"'),
    ].join('\n');
    expect(checksOfHtml(html)).toEqual([
      { key: 'first', position: 1 },
      { key: 'second', position: 2 },
    ]);
    expect([workshopSlug('/'), workshopSlug('/writing/runbook-template/')]).toEqual(['index', 'writing/runbook-template']);
  });
});
