/**
 * Authoring mistakes fail `astro build` of a copy of the site, and the build says the file, the
 * line and how to fix it (the Run plugin alone is tested in test/unit/run-button-plugin.test.ts).
 */
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
