/** Page files and folders under docs/ must be named as their URL (Astro slugs the names; every tool here takes them as they are). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { misnamedMessage, misnamedPaths, slugName } from '../../src/page-names.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'page-names-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function write(rel: string, content = '---\ntitle: T\n---\n') {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}

describe('names under docs/', () => {
  it('slugName gives a name that is its own slug', () => {
    expect(slugName('Team Runbooks')).toBe('team-runbooks');
    expect(slugName('k8s-1.29-upgrade')).toBe('k8s-1-29-upgrade');
    expect(slugName('Café_Notes')).toBe('cafe-notes');
    expect(slugName('Deploy')).toBe('deploy');
  });

  it('lists each misnamed page file and folder of pages, with the name to rename it to', () => {
    write('docs/index.mdx');
    write('docs/writing/_section.json', '{}');
    write('docs/writing/runbook-template.mdx');
    write('docs/Team Runbooks/Deploy.mdx');
    write('docs/Team Runbooks/_section.json', '{}');
    write('docs/team/k8s-1.29-upgrade.mdx');
    write('docs/team/my_page.md');
    write('docs/team/fine-page-2.mdx');
    write('docs/team/custom.mdx', '---\ntitle: T\nslug: elsewhere\n---\n');
    write('docs/Images/Logo.PNG', 'not a page');
    write('docs/.drafts/Draft.mdx');
    expect(misnamedPaths(root)).toEqual([
      { path: 'docs/Team Runbooks', kind: 'folder', rename: 'team-runbooks' },
      { path: 'docs/Team Runbooks/Deploy.mdx', kind: 'page', rename: 'deploy.mdx' },
      { path: 'docs/team/custom.mdx', kind: 'page', rename: 'custom.mdx', slugField: true },
      { path: 'docs/team/k8s-1.29-upgrade.mdx', kind: 'page', rename: 'k8s-1-29-upgrade.mdx' },
      { path: 'docs/team/my_page.md', kind: 'page', rename: 'my-page.md' },
    ]);
  });

  it('says which name to give, for each', () => {
    const msg = misnamedMessage(misnamedPaths(root));
    expect(msg).toContain('docs/Team Runbooks: a folder name under docs/ is part of the URL and must be lower-case letters, digits and - only');
    expect(msg).toContain('Hint: rename it to docs/team-runbooks ');
    expect(msg).toContain('docs/team/k8s-1.29-upgrade.mdx: a page file name under docs/');
    expect(msg).toContain('Hint: rename it to docs/team/k8s-1-29-upgrade.mdx ');
    expect(msg).toContain('docs/team/custom.mdx: `slug:` in the frontmatter is not supported');
  });
});
