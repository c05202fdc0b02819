/**
 * `npm run build` (scripts/build-site.ts) in a copy of the project: the site is built beside
 * dist/ and put in its place only when the build succeeded, so a failed build leaves a running
 * server every page it had.
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

const dist = () => path.join(site.root, 'dist');
const beside = () => fs.readdirSync(site.root).filter((e) => e.startsWith('.dist.'));

describe('npm run build', () => {
  it('builds the site, then keeps it whole through a build that fails', async () => {
    site.write('docs/team/first.mdx', '---\ntitle: First\n---\n\nThe first page.\n');
    const built = await site.node(['scripts/build-site.ts']);
    expect(built.code, built.output.slice(-3000)).toBe(0);
    const firstPage = path.join(dist(), 'team', 'first', 'index.html');
    expect(fs.existsSync(firstPage)).toBe(true);
    expect(fs.existsSync(path.join(dist(), 'pagefind'))).toBe(true);
    const index = fs.readFileSync(path.join(dist(), 'index.html'), 'utf8');

    site.write('docs/team/second.mdx', '---\ntitle: Second\n---\n\n```shell timout=5\necho hi\n```\n');
    const failed = await site.node(['scripts/build-site.ts']);
    expect(failed.code).not.toBe(0);
    expect(failed.output).toContain('docs/team/second.mdx:5: unknown fence option `timout=5`');
    expect(failed.output).toContain('dist/ is left as it was');
    expect(fs.readFileSync(path.join(dist(), 'index.html'), 'utf8'), 'the site built before is still served').toBe(index);
    expect(fs.existsSync(firstPage)).toBe(true);
    expect(fs.existsSync(path.join(dist(), 'workshop.json'))).toBe(true);
    expect(beside(), 'no half-built folder is left').toEqual([]);

    site.write('docs/team/second.mdx', '---\ntitle: Second\n---\n\n```shell timeout=5\necho hi\n```\n');
    const fixed = await site.node(['scripts/build-site.ts']);
    expect(fixed.code, fixed.output.slice(-3000)).toBe(0);
    expect(fs.existsSync(path.join(dist(), 'team', 'second', 'index.html')), 'the new page is in the site').toBe(true);
    expect(beside()).toEqual([]);
  });
});
