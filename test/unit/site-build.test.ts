/** The site is built beside the served folder and swapped in only when the whole build succeeded. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../server/site-build.ts';

const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'site-build-'));
afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));
const siteDir = path.join(parent, 'dist');
const page = (dir: string) => fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
const served = () => fs.readdirSync(parent).sort();

describe('buildSite', () => {
  it('builds into a folder next to the site and swaps it in on success', async () => {
    fs.mkdirSync(siteDir);
    fs.writeFileSync(path.join(siteDir, 'index.html'), 'old');
    await buildSite(
      siteDir,
      () => {},
      async (outDir) => {
        expect(path.dirname(outDir)).toBe(parent);
        expect(outDir).not.toBe(siteDir);
        expect(page(siteDir), 'the old site is served while the build runs').toBe('old');
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, 'index.html'), 'new');
      },
    );
    expect(page(siteDir)).toBe('new');
    expect(served()).toEqual(['dist']);
  });

  it('leaves the site as it was when the build fails, and removes the half-built folder', async () => {
    const failed = buildSite(
      siteDir,
      () => {},
      async (outDir) => {
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, 'half.html'), 'half');
        throw new Error('astro build failed with exit code 1');
      },
    );
    await expect(failed).rejects.toThrow('astro build failed with exit code 1');
    expect(page(siteDir)).toBe('new');
    expect(served()).toEqual(['dist']);
  });

  it('builds a site that is not there yet, and removes what a build that died left', async () => {
    fs.rmSync(siteDir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.mkdirSync(path.join(parent, `.dist.building-${dead}`));
    fs.mkdirSync(path.join(parent, `.dist.building-${process.ppid}`), { recursive: true });
    await buildSite(
      siteDir,
      () => {},
      async (outDir) => {
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, 'index.html'), 'first');
      },
    );
    expect(page(siteDir)).toBe('first');
    expect(served(), "a running build's folder stays").toEqual([`.dist.building-${process.ppid}`, 'dist']);
  });
});
