import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blocksOfHtml, plainText, selectedUrls, withRegistryPlaceholder } from '../support/docs-blocks.ts';

describe('reading blocks back from a built page', () => {
  it('finds file and run blocks in page order, with their meta', () => {
    const html = [
      '<figure class="frame" data-file="app.py" data-file-content="print(&quot;hi&quot;)\n">',
      '<figure class="frame is-terminal" data-run-command="docker build -t pythonhello ." data-run-exit="0" data-run-expect="Successfully|naming" data-run-timeout="300">',
      '<figure class="frame" data-run-command="docker run -t -i ubuntu /bin/bash" data-run-exit="0" data-run-interactive="true">',
      '<figure class="frame" data-run-command="false" data-run-exit="1">',
      '<figure class="frame">',
    ].join('');
    expect(blocksOfHtml(html)).toEqual([
      { kind: 'file', path: 'app.py', content: 'print("hi")\n' },
      { kind: 'run', index: 0, command: 'docker build -t pythonhello .', exit: 0, expect: /Successfully|naming/, timeoutSeconds: 300, interactive: false },
      { kind: 'run', index: 1, command: 'docker run -t -i ubuntu /bin/bash', exit: 0, interactive: true },
      { kind: 'run', index: 2, command: 'false', exit: 1, interactive: false },
    ]);
  });

  it('turns terminal output into plain text', () => {
    expect(plainText('\x1b[31mred\x1b[0m\r\nnext\r\n')).toBe('red\nnext\n');
    expect(plainText('10%\r50%\r100%\r\ndone')).toBe('100%\ndone');
  });
});

describe('attribute values with > in them', () => {
  it('keeps the whole command', () => {
    const html = '<figure class="frame" data-run-command="ls 2>/dev/null -> x" data-run-exit="0"><pre>';
    expect(blocksOfHtml(html)).toEqual([{ kind: 'run', index: 0, command: 'ls 2>/dev/null -> x', exit: 0, interactive: false }]);
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

  it("reads the page's test values and ci=skip from a block", () => {
    const html = '<figure data-run-command="docker top &lt;container_id&gt;" data-run-exit="0" data-run-test-values="{&quot;container_id&quot;:&quot;hello&quot;}" data-run-ci-skip="needs a cloud account">';
    expect(blocksOfHtml(html)).toEqual([
      { kind: 'run', index: 0, command: 'docker top <container_id>', exit: 0, interactive: false, testValues: { container_id: 'hello' }, ciSkip: 'needs a cloud account' },
    ]);
  });
});
