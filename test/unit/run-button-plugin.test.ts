/**
 * The Run plugin on its own, through the Expressive Code engine (no Astro): what it renders for
 * each fence option, and the build errors it raises for authoring mistakes (file, line, hint).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExpressiveCodeEngine } from '@expressive-code/core';
import { toHtml } from '@expressive-code/core/hast';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, parseFileWrite } from '../../server/protocol.ts';
import { pluginRunButton } from '../../src/code-blocks/run-button-plugin.ts';

const engine = new ExpressiveCodeEngine({ plugins: [pluginRunButton()] });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-plugin-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A page file with this frontmatter (and `body` after it). */
function page(frontmatter: string, body = ''): string {
  const file = path.join(dir, `page-${Math.random().toString(36).slice(2)}.mdx`);
  fs.writeFileSync(file, `---\ntitle: T\n${frontmatter}---\n\ntext\n${body}`);
  return file;
}

/** Renders a block; with `line`, the page holds the fence at that line (filler text above it). */
async function render(code: string, meta: string, opts: { language?: string; file?: string; line?: number } = {}) {
  const language = opts.language ?? 'shell';
  const filler = '\n'.repeat(Math.max(0, (opts.line ?? 7) - 6));
  const sourceFilePath = opts.file ?? page('', `${filler}\`\`\`${language} ${meta}\n${code}\n\`\`\`\n`);
  const { renderedGroupAst } = await engine.render({ code, language, meta, parentDocument: { sourceFilePath } });
  return toHtml(renderedGroupAst);
}

/** The message a render fails with (the build shows it). */
async function failure(code: string, meta: string, opts: { language?: string; file?: string; line?: number } = {}): Promise<string> {
  try {
    await render(code, meta, opts);
  } catch (e) {
    return String((e as Error).message);
  }
  throw new Error(`expected rendering \`\`\`${opts.language ?? 'shell'} ${meta} to fail, and it rendered`);
}

describe('fence options rendered by the Run plugin', () => {
  it('puts the command and each option on the block', async () => {
    const html = await render('$ docker ps\nCONTAINER ID', 'exit=1 expect=/CONTAINER\\sID/ timeout=300 interactive login');
    expect(html).toContain('data-run-command="docker ps"');
    expect(html).toContain('data-run-exit="1"');
    expect(html).toContain('data-run-expect="CONTAINER\\sID"');
    expect(html).toContain('data-run-timeout="300"');
    expect(html).toContain('data-run-interactive="true"');
    expect(html).toContain('data-run-login="true"');
  });

  it('takes the page timeout for blocks that set none', async () => {
    const file = page('timeout: 90\n');
    expect(await render('sleep 1', '', { file })).toContain('data-run-timeout="90"');
    expect(await render('sleep 1', 'timeout=5', { file })).toContain('data-run-timeout="5"');
  });

  it('marks ci=skip blocks with the reason', async () => {
    expect(await render('aws s3 ls', 'ci=skip reason="needs a cloud account"')).toContain('data-run-ci-skip="needs a cloud account"');
  });

  it("renders declared placeholders with the page's description and test value", async () => {
    const file = page('placeholders:\n  - name: container_id\n    description: a running container\n    example: web\n    test: hello\n');
    const html = await render('docker top <container_id>', '', { file });
    expect(html).toContain('data-run-test-values="{&#x22;container_id&#x22;:&#x22;hello&#x22;}"');
    expect(html).toContain('title="a running container (e.g. web)"');
  });
});

describe('authoring mistakes fail the build with the file, the line and what is allowed', () => {
  it('a misspelled option', async () => {
    const file = page('', '\n```shell\ndocker ps\n```\n\n```shell timout=300\ndocker ps\n```\n');
    const msg = await failure('docker ps', 'timout=300', { file });
    expect(msg).toContain(`${path.relative(process.cwd(), file)}:11: unknown fence option \`timout=300\``);
    expect(msg).toMatch(/Did you mean `timeout`\? Allowed options: exit, expect, timeout/);
  });

  it('a malformed value', async () => {
    const msg = await failure('docker ps', 'exit=abc', { line: 9 });
    expect(msg).toMatch(/:9: malformed value in `exit=abc`/);
    expect(msg).toContain('Hint: exit must be a whole number from 0 to 255');
    expect(await failure('docker ps', 'timeout=0')).toContain('timeout must be a whole number of seconds from 1 to 3600');
    expect(await failure('docker ps', 'expect=Hello')).toContain('expect must be a regular expression between slashes');
    expect(await failure('docker ps', 'interactive=yes')).toContain('malformed value in `interactive=yes`');
  });

  it('a regular expression that does not parse', async () => {
    const msg = await failure('docker ps', 'expect=/(/', { line: 20 });
    expect(msg).toMatch(/:20: Failed to parse option `expect=\/\(\/`: Invalid regular expression/);
    expect(msg).toContain('Hint: expect must be a regular expression between slashes');
  });

  it('a shell option on a file block, and ci=skip without a reason', async () => {
    expect(await failure('FROM alpine', 'file=Dockerfile exit=1', { language: 'dockerfile' })).toContain('`exit=1` only applies to a shell block');
    expect(await failure('aws s3 ls', 'ci=skip')).toContain('`ci=skip` without a reason');
    expect(await failure('aws s3 ls', 'ci=never reason="x"')).toContain('ci must be ci=skip');
  });

  it('an undeclared placeholder, with the frontmatter that fixes it', async () => {
    const file = page(
      'placeholders:\n  - name: container_id\n    description: d\n    example: e\n    test: t\n',
      '\n```shell\ndocker tag <image_id> app\n```\n',
    );
    const msg = await failure('docker tag <image_id> app', '', { file });
    expect(msg).toContain(`${path.relative(process.cwd(), file)}:12: placeholder <image_id> is not declared by the page`);
    expect(msg).toContain('placeholders:\n  - name: image_id\n    description:');
    // Shown-only blocks may show placeholders freely.
    await expect(render('docker tag <image_id> app', 'norun reason="shown"', { file })).resolves.toContain('data-norun');
  });
});

describe('file blocks: only `file=` makes one, and its path is the one the server accepts', () => {
  it('a `title` is a caption, never a file, on any language', async () => {
    for (const [language, meta] of [
      ['text', 'title="Example output"'],
      ['yaml', 'title="/etc/nginx/conf.d/app.conf"'],
      ['dockerfile', 'title="Dockerfile"'],
    ] as const) {
      const html = await render('key: value', meta, { language });
      expect(html, `${language} ${meta}`).not.toContain('data-file=');
      expect(html).not.toContain('written to your workspace');
    }
    const file = await render('FROM alpine', 'file=Dockerfile title="The image"', { language: 'dockerfile' });
    expect(file).toContain('data-file="Dockerfile"');
  });

  it('a path the server would refuse fails the build, naming the line and the rule', async () => {
    for (const [meta, shown] of [
      ['file=../Dockerfile', '../Dockerfile'],
      ['file="my script.sh"', 'my script.sh'],
      ['file=café.txt', 'café.txt'],
      ['file=app/', 'app/'],
      ['file=/etc/passwd', '/etc/passwd'],
      ['file=./app.py', './app.py'],
    ]) {
      const msg = await failure('x', meta!, { language: 'text', line: 12 });
      expect(msg, meta).toMatch(/:12: /);
      expect(msg, meta).toContain(`the server refuses the file path \`${shown}\``);
      expect(msg, meta).toContain('a relative path inside the workspace (letters, digits, . _ - and /; no ..)');
      expect(msg, meta).toContain('Hint: ');
    }
    expect(await failure('x', 'file="my script.sh"', { language: 'text' })).toContain('file=my_script.sh');
    expect(await failure('x', 'file=café.txt', { language: 'text' })).toContain('file=cafe.txt');
    expect(await failure('x', 'file=app/', { language: 'text' })).toContain('names a folder');
    // Fine paths, on a shell block too.
    await expect(render('echo hi', 'file=app/run.sh', { language: 'sh' })).resolves.toContain('data-file="app/run.sh"');
    await expect(render('x', 'file=.env', { language: 'text' })).resolves.toContain('data-file=".env"');
  });

  it('a file block larger than the server takes fails the build', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    expect(await failure(big, 'file=big.txt', { language: 'text' })).toContain('A file block may be at most 1 MiB');
  });

  it("measures a file block as the page sends it, with its last newline, against the server's limit", async () => {
    const sent = (html: string) => /data-file-content="([^"]*)"/.exec(html)?.[1];
    // The page writes the code plus a newline: MAX_FILE_BYTES of code is one byte more than the server takes.
    for (const code of ['x'.repeat(MAX_FILE_BYTES), `${'x'.repeat(MAX_FILE_BYTES - 2)}é`, 'é'.repeat(MAX_FILE_BYTES / 2)]) {
      expect(await failure(code, 'file=big.txt', { language: 'text' }), `${code.length} characters`).toContain('A file block may be at most 1 MiB');
    }
    // One byte less, and what the page sends is exactly the limit, which the server takes.
    for (const code of ['x'.repeat(MAX_FILE_BYTES - 1), `${'x'.repeat(MAX_FILE_BYTES - 3)}é`]) {
      const content = sent(await render(code, 'file=big.txt', { language: 'text' }));
      expect(content).toBe(`${code}\n`);
      expect(new TextEncoder().encode(content).length).toBe(MAX_FILE_BYTES);
      expect(parseFileWrite({ path: 'big.txt', content })).toMatchObject({ ok: true });
    }
  });
});

describe('fence options given twice fail the build', () => {
  it('names the option and both values', async () => {
    const msg = await failure('docker ps', 'exit=1 exit=2', { line: 9 });
    expect(msg).toContain(':9: `exit` is given twice (`exit=1`, `exit=2`)');
    expect(msg).toContain('Hint: Keep one');
    expect(await failure('x', 'file=a file=b', { language: 'text' })).toContain('`file` is given twice (`file=a`, `file=b`)');
    expect(await failure('docker ps', 'interactive timeout=5 interactive')).toContain('`interactive` is given twice');
    expect(await failure('docker ps', 'title="a" title="b"')).toContain('`title` is given twice');
  });

  it("leaves Expressive Code's markers, which may repeat, alone", async () => {
    await expect(render('a\nb\nc', 'mark={1} mark={3}', { language: 'text' })).resolves.toContain('expressive-code');
  });
});

describe('expect= patterns', () => {
  it('may hold a space', async () => {
    expect(await render('echo Hello World', 'expect=/Hello World/')).toContain('data-run-expect="Hello World"');
  });

  it('refuses flags and says that they are not supported', async () => {
    const msg = await failure('echo hi', 'expect=/hello/i');
    expect(msg).toContain('malformed value in `expect=/hello/i`');
    expect(msg).toContain('flags (/i) are not supported');
    expect(await failure('echo hi', 'expect=/a.b/gs')).toContain('flags (/gs) are not supported');
  });
});

describe('placeholders not written <lower_snake>', () => {
  it('fail the build with the name to write instead', async () => {
    for (const [command, token, fix] of [
      ['docker top <CONTAINER_ID>', '<CONTAINER_ID>', '<container_id>'],
      ['docker logs <container-id>', '<container-id>', '<container_id>'],
      ['docker rm -f <ContainerName>', '<ContainerName>', '<container_name>'],
      ['docker inspect "<image>" <Image>', '<Image>', '<image>'],
      ['echo $(( 1<<2 ))\ndocker top <ID>', '<ID>', '<id>'],
    ] as const) {
      const msg = await failure(command, '', { line: 8 });
      expect(msg, command).toContain(
        `:8: \`${token}\` is not a placeholder: outside quotes, bash reads \`${token.slice(0, -1)}\` and \`>\` as redirections`,
      );
      expect(msg, command).toContain(`write ${fix}`);
      expect(msg, command).toContain('placeholders:');
    }
  });

  it('leave redirections, here-documents, here-strings and quoted text alone', async () => {
    for (const command of [
      'cat <file',
      'sort <in.txt >out.txt',
      'cat < Input > Output',
      'tr a-z A-Z <<<"hello"',
      'cat <<<Hello',
      'diff <(echo a) <(echo b)',
      "cat <<'EOF' > index.html\n<HTML><Body>hi</Body></HTML>\nEOF",
      'cat <<EOF>Notes\nfine\nEOF',
      "echo '<Title>' > page.html",
      'echo "<p>Hello</p>" > index.html',
      'sed "s/<B>//" notes.txt',
      'cat <<\\EOF > index.html\n<HTML><Body>hi</Body></HTML>\nEOF',
      'docker ps # stop it with docker stop <ID>',
      'exec 3<&0',
    ]) {
      await expect(render(command, ''), command).resolves.toContain('data-run-command');
    }
    // A shown-only block may show anything.
    await expect(render('docker top <CONTAINER_ID>', 'norun reason="shown"')).resolves.toContain('data-norun');
  });
});
