/**
 * What a team's page builds into, read back as the page and docs:test read it: tabs kept, a
 * `title` that is a caption only, an `expect=` with a space, shell that merely looks like a
 * placeholder. (The mistakes that fail the build are in authoring-errors.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocksOfHtml, type PageBlock } from '../support/docs-blocks.ts';
import { copySite, type SiteCopy } from '../support/site-copy.ts';

const T = '\t';
const SOURCE = `---
title: A team page
---

A Makefile needs its tabs:

\`\`\`makefile file=Makefile
all:
${T}echo built
\`\`\`

\`\`\`shell expect=/built/
make
\`\`\`

A here-document with \`<<-\` drops leading tabs, and only tabs:

\`\`\`shell expect=/indented/
cat <<-EOF
${T}indented
${T}EOF
\`\`\`

\`\`\`text title="Example output"
Hello World
\`\`\`

\`\`\`yaml title="/etc/nginx/conf.d/app.conf"
server: app
\`\`\`

\`\`\`dockerfile file=Dockerfile title="The image"
FROM alpine
\`\`\`

\`\`\`shell expect=/Hello World/
echo Hello World
\`\`\`

\`\`\`shell
cat <<'EOF' > index.html
<HTML><Body>hi</Body></HTML>
EOF
tr a-z A-Z <<<"hello" > Upper.txt
sort <index.html >Sorted.txt
echo "<p>Hello</p>" > hello.html
cat <<\\EOF > notes.html
<Body>notes</Body>
EOF
\`\`\`
`;

let site: SiteCopy;
let blocks: PageBlock[];
beforeAll(async () => {
  site = copySite();
  site.write('docs/team/page.mdx', SOURCE);
  const { code, output } = await site.build();
  if (code !== 0) throw new Error(`the copy did not build (exit ${code}):\n${output.slice(-4000)}`);
  blocks = blocksOfHtml(fs.readFileSync(path.join(site.root, 'dist', 'team', 'page', 'index.html'), 'utf8'));
});
afterAll(() => site?.remove());

const files = () => blocks.filter((b) => b.kind === 'file');
const runs = () => blocks.filter((b) => b.kind === 'run');

describe('a built team page', () => {
  it('keeps the tabs of a file block and of a here-document', () => {
    expect(files()[0]).toEqual({ kind: 'file', path: 'Makefile', content: `all:\n${T}echo built\n` });
    expect(runs()[1]!.command).toBe(`cat <<-EOF\n${T}indented\n${T}EOF`);
  });

  it('makes a file block of file= only: a title is a caption', () => {
    expect(files().map((f) => f.kind === 'file' && f.path)).toEqual(['Makefile', 'Dockerfile']);
  });

  it('takes an expect= pattern with a space', () => {
    expect(runs()[2]!.expect?.source).toBe('Hello World');
  });

  it('leaves here-documents, here-strings, redirections and double-quoted text that look like <Words> alone', () => {
    expect(runs()[3]!.command).toContain('<HTML><Body>hi</Body></HTML>');
    expect(runs()[3]!.command).toContain('echo "<p>Hello</p>" > hello.html\ncat <<\\EOF > notes.html\n<Body>notes</Body>\nEOF');
  });
});
