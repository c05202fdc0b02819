/**
 * Authoring mistakes fail `astro build` of a copy of the site, and the build says the file, the
 * line and how to fix it (the Run plugin alone is tested in test/unit/run-button-plugin.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copySite, type SiteCopy } from '../support/site-copy.ts';

let site: SiteCopy;
beforeAll(() => {
  site = copySite();
});
afterAll(() => site?.remove());

const PAGE = 'docs/team/mistake.mdx';
const frontmatter = (extra = '') => `---\ntitle: A page with a mistake\n${extra}---\n\nSome text.\n\n`;

/** Builds the copy with the page and returns what the build printed (it must fail). */
async function buildFailure(body: string, extra = ''): Promise<string> {
  site.write(PAGE, frontmatter(extra) + body);
  const { code, output } = await site.build();
  expect(code, `expected the build to fail for ${PAGE}; it ended with ${code}:\n${output.slice(-3000)}`).not.toBe(0);
  return output;
}

describe('a build fails on an authoring mistake, naming file, line and fix', () => {
  // The page's first fence is on line 7: 3 lines of frontmatter, a blank, text, a blank.
  it('a misspelled fence option (timout=300)', async () => {
    const out = await buildFailure('```shell timout=300\ndocker ps\n```\n');
    expect(out).toContain(`${PAGE}:7: unknown fence option \`timout=300\``);
    expect(out).toContain('Did you mean `timeout`?');
  });

  it('a malformed value (exit=abc)', async () => {
    const out = await buildFailure('Text.\n\n```shell exit=abc\ndocker ps\n```\n');
    expect(out).toContain(`${PAGE}:9: malformed value in \`exit=abc\``);
    expect(out).toContain('exit must be a whole number from 0 to 255');
  });

  it('an expect= that is not a regular expression', async () => {
    const out = await buildFailure('```shell expect=/(/\ndocker ps\n```\n');
    expect(out).toContain(`${PAGE}:7: Failed to parse option \`expect=/(/\``);
    expect(out).toContain('expect must be a regular expression between slashes');
  });

  it('an undeclared placeholder', async () => {
    const out = await buildFailure('```shell\ndocker top <container_id>\n```\n');
    expect(out).toContain(`${PAGE}:7: placeholder <container_id> is not declared by the page`);
    expect(out).toContain('- name: container_id');
  });
});

describe('sections and links', () => {
  it('a link to a page that does not exist fails the build with its file and line', async () => {
    const out = await buildFailure('See [the deploy runbook](/team/deploy/) and [intro](/introduction/).\n\nAlso [this](../../questions/).\n\nAnd [gone](./nope.mdx).\n');
    expect(out).toContain(`${PAGE}:7: broken link to /team/deploy/`);
    expect(out).toContain(`${PAGE}:11: broken link to ./nope.mdx`);
    expect(out, 'links to existing pages are fine').not.toMatch(/broken link to (\/introduction\/|\.\.\/\.\.\/questions)/);
    expect(out).toContain('Hint: link to a page by its path under docs/');
  });

  it('a malformed _section.json fails the build with the fix', async () => {
    site.write('docs/team/_section.json', '{"title": "Team", "order": "first"}');
    try {
      const out = await buildFailure('Fine page.\n');
      expect(out).toContain('docs/team/_section.json: order:');
      expect(out).toContain('Hint: write {"title": "Runbooks", "order": 20}');
    } finally {
      site.write('docs/team/_section.json', '{"title": "Team", "order": 50}');
    }
  });
});

describe('file blocks', () => {
  it('a file= path the server would refuse fails the build, with a path it takes', async () => {
    const out = await buildFailure('```dockerfile file=../Dockerfile\nFROM alpine\n```\n');
    expect(out).toContain(`${PAGE}:7: the server refuses the file path \`../Dockerfile\`: it must be a relative path inside the workspace`);
    expect(out).toContain('Hint: Write the path relative to the workspace');
    const spaced = await buildFailure('Text.\n\n```text file="my script.sh"\necho hi\n```\n');
    expect(spaced).toContain(`${PAGE}:9: the server refuses the file path \`my script.sh\``);
    expect(spaced).toContain('e.g. file=my_script.sh');
    expect(await buildFailure('```text file=app/\nx\n```\n')).toContain('`app/` names a folder');
  });
});

describe('fence options', () => {
  it('an option given twice', async () => {
    const out = await buildFailure('```shell exit=1 exit=2\nfalse\n```\n');
    expect(out).toContain(`${PAGE}:7: \`exit\` is given twice (\`exit=1\`, \`exit=2\`)`);
    expect(out).toContain('Hint: Keep one: only the last would count.');
    expect(await buildFailure('```text file=a.txt file=b.txt\nx\n```\n')).toContain('`file` is given twice (`file=a.txt`, `file=b.txt`)');
  });

  it('an expect= with flags, saying flags are not supported', async () => {
    const out = await buildFailure('```shell expect=/hello/i\necho Hello\n```\n');
    expect(out).toContain(`${PAGE}:7: malformed value in \`expect=/hello/i\``);
    expect(out).toContain('flags (/i) are not supported');
  });
});

describe('placeholders not written <lower_snake>', () => {
  it('fail the build with the name to write', async () => {
    const out = await buildFailure('```shell\ndocker top <CONTAINER_ID>\n```\n');
    expect(out).toContain(`${PAGE}:7: \`<CONTAINER_ID>\` is not a placeholder`);
    expect(out).toContain('write <container_id>');
    const dashed = await buildFailure('Text.\n\n```shell\n$ docker logs <container-id>\nsome output\n```\n');
    expect(dashed).toContain(`${PAGE}:9: \`<container-id>\` is not a placeholder`);
  });
});

describe('the line of a block in a list, or holding a tab', () => {
  /** Writes the page as given (its first fence on line 5) and builds; the build must fail. */
  async function pageFailure(source: string): Promise<string> {
    site.write(PAGE, source);
    const { code, output } = await site.build();
    expect(code, output.slice(-3000)).not.toBe(0);
    return output;
  }

  it('names the indented block in a list item, not the block at line 5', async () => {
    const out = await pageFailure(
      '---\ntitle: T\n---\n\n```shell\ndocker ps\n```\n\n1. Start it, then look inside:\n\n   ```shell\n   docker run -d --name web nginx\n   docker top <container_id>\n   ```\n',
    );
    expect(out).toContain(`${PAGE}:11: placeholder <container_id> is not declared by the page`);
  });

  it('names a block holding a tab', async () => {
    const out = await pageFailure('---\ntitle: T\n---\n\n```shell\necho one\n```\n\n```shell\ncat <<-EOF\n\tdocker top <container_id>\n\tEOF\n```\n');
    expect(out).toContain(`${PAGE}:9: placeholder <container_id> is not declared by the page`);
  });
});

describe('names under docs/', () => {
  it('a page file or folder not named as its URL fails the build with the name to give it', async () => {
    const misnamed = ['docs/Team Runbooks/Deploy.mdx', 'docs/team/k8s-1.29-upgrade.mdx'];
    for (const file of misnamed) site.write(file, '---\ntitle: Misnamed\n---\n\nText.\n');
    try {
      const out = await buildFailure('Fine page.\n');
      expect(out).toContain('docs/Team Runbooks: a folder name under docs/ is part of the URL');
      expect(out).toContain('Hint: rename it to docs/team-runbooks ');
      expect(out).toContain('docs/Team Runbooks/Deploy.mdx: a page file name under docs/');
      expect(out).toContain('Hint: rename it to docs/Team Runbooks/deploy.mdx ');
      expect(out).toContain('docs/team/k8s-1.29-upgrade.mdx: a page file name under docs/');
      expect(out).toContain('Hint: rename it to docs/team/k8s-1-29-upgrade.mdx ');
    } finally {
      fs.rmSync(path.join(site.root, 'docs/Team Runbooks'), { recursive: true, force: true });
      fs.rmSync(path.join(site.root, misnamed[1]!), { force: true });
    }
  });
});

describe('mistakes a render would blame on /handout', () => {
  it('a _section.json that is not JSON names the file and line', async () => {
    site.write('docs/team/_section.json', '{\n  "title": "Team",\n  "order": 20,\n}\n');
    try {
      const out = await buildFailure('Fine page.\n');
      expect(out).toContain('docs/team/_section.json:4: not valid JSON');
      expect(out).toContain('Hint: write {"title": "Runbooks", "order": 20}');
    } finally {
      site.write('docs/team/_section.json', '{"title": "Team", "order": 50}');
    }
  });

  it('{name} in the text names the page and the line', async () => {
    const out = await buildFailure('Find it with docker ps, then run docker top {container_id}.\n');
    expect(out).toContain(`${PAGE}:7: \`{container_id}\` in the text is JavaScript to MDX, and container_id is not defined`);
    expect(out).toContain('Hint: to show the braces, write \\{container_id} or put it in backticks');
    expect(out).not.toContain('Caught error rendering /handout');
    const dashed = await buildFailure('Text.\n\nThe id is {container-id} and {imageId}.\n');
    expect(dashed).toContain(`${PAGE}:9: \`{container-id}\``);
    expect(dashed).toContain(`${PAGE}:9: \`{imageId}\``);
  });

  it('a page that fails to render in the handout is named', async () => {
    const out = await buildFailure('The title is {frontmatter.missing.deeper}.\n');
    expect(out).toContain(`${PAGE}: the page failed to render: Cannot read properties of undefined`);
  });

  it('braces that are escaped, in code, or defined by the page build', async () => {
    site.write(
      PAGE,
      `${frontmatter()}export const version = '1.2';\n\nVersion {version}, \\{container_id}, \`{container_id}\`, {/* a comment */} and {frontmatter.title}.\n\n\`\`\`shell\necho {a,b}\n\`\`\`\n`,
    );
    const { code, output } = await site.build();
    expect(code, output.slice(-3000)).toBe(0);
  });
});
