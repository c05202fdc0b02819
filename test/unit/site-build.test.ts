/** The site is built beside the served folder and swapped in only when the whole build succeeded. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSite, ensureSiteBuilt, recoverSite } from '../../server/site-build.ts';

const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'site-build-'));
afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));
const siteDir = path.join(parent, 'dist');
const page = (dir: string) => fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
const served = () => fs.readdirSync(parent).sort();
/** A folder beside the site holding an index.html with `text` (none when text is undefined). */
function folder(name: string, text?: string): void {
  fs.mkdirSync(path.join(parent, name), { recursive: true });
  if (text !== undefined) fs.writeFileSync(path.join(parent, name, 'index.html'), text);
}
/** A pid no process has: one that has just ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const failing = async () => {
  throw new Error('astro build failed with exit code 1');
};
const noBuild = async () => {
  throw new Error('a site put back as it was should not be built again');
};

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
    fs.rmSync(path.join(parent, `.dist.building-${process.ppid}`), { recursive: true });
  });
});

describe('a build that died between the two renames of its swap', () => {
  it('leaves its new site beside a missing one: the next start puts it in place instead of removing it', async () => {
    fs.rmSync(siteDir, { recursive: true, force: true });
    const dead = deadPid();
    folder(`.dist.built-${dead}-0a1b2c3d`, 'new');
    folder(`.dist.replaced-${dead}-0a1b2c3d`, 'old');
    folder(`.dist.built-${dead}-99999999`, 'older');
    fs.utimesSync(path.join(parent, `.dist.built-${dead}-99999999`, 'index.html'), new Date(), new Date(Date.now() - 3_600_000));
    // Newer than every source: what is put back is served as it is, not built again.
    fs.utimesSync(path.join(parent, `.dist.built-${dead}-0a1b2c3d`, 'index.html'), new Date(), new Date(Date.now() + 3_600_000));
    const lines: string[] = [];
    await ensureSiteBuilt(siteDir, (l) => lines.push(l), noBuild);
    expect(page(siteDir)).toBe('new');
    expect(served()).toEqual(['dist']);
    expect(lines.join('\n')).toContain('Put back the site');
  });

  it('puts back the site it replaced when that is the whole copy left, even when the next build fails', async () => {
    fs.rmSync(siteDir, { recursive: true, force: true });
    const dead = deadPid();
    folder(`.dist.replaced-${dead}`, 'old');
    folder(`.dist.building-${dead}`);
    await expect(buildSite(siteDir, () => {}, failing)).rejects.toThrow('astro build failed');
    expect(page(siteDir)).toBe('old');
    expect(served()).toEqual(['dist']);
  });

  it('never puts back a half-built folder, and removes what is left once the site is there', async () => {
    fs.rmSync(siteDir, { recursive: true, force: true });
    const dead = deadPid();
    // astro build writes index.html before Pagefind fails: a building folder is never whole.
    folder(`.dist.building-${dead}-0a1b2c3d`, 'half');
    recoverSite(siteDir, () => {});
    expect(served()).toEqual([]);
    folder('dist', 'served');
    folder(`.dist.built-${dead}-0a1b2c3d`, 'new');
    folder(`.dist.replaced-${dead}-0a1b2c3d`, 'old');
    recoverSite(siteDir, () => {});
    expect(page(siteDir)).toBe('served');
    expect(served()).toEqual(['dist']);
  });
});

describe('folders of an earlier process that had the same pid', () => {
  it('are leftovers: the swap neither fails on them (ENOTEMPTY) nor keeps them', async () => {
    folder('dist', 'old');
    for (const kind of ['building', 'built', 'replaced']) {
      folder(`.dist.${kind}-${process.pid}`, `stale ${kind}`);
      folder(`.dist.${kind}-${process.pid}-0a1b2c3d`, `stale ${kind}`);
    }
    await buildSite(
      siteDir,
      () => {},
      async (outDir) => folder(path.basename(outDir), 'new'),
    );
    expect(page(siteDir)).toBe('new');
    expect(served()).toEqual(['dist']);
  });

  it('are told apart from the folder a build of this process is using', async () => {
    let finish = () => {};
    const first = buildSite(
      siteDir,
      () => {},
      async (outDir) => {
        folder(path.basename(outDir), 'first');
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    );
    await new Promise((r) => setImmediate(r));
    recoverSite(siteDir, () => {});
    expect(
      served().filter((e) => e.startsWith(`.dist.building-${process.pid}-`)),
      'the running build keeps its folder',
    ).toHaveLength(1);
    finish();
    await first;
    expect(page(siteDir)).toBe('first');
    expect(served()).toEqual(['dist']);
  });
});

describe('the folders a build leaves beside dist/', () => {
  it('are ignored by git, so neither a commit nor the linter takes them', () => {
    const id = `${process.pid}-0a1b2c3d`;
    const paths = ['building', 'built', 'replaced'].map((kind) => `.dist.${kind}-${id}/_astro/page.css`);
    const r = spawnSync('git', ['check-ignore', '--', ...paths], { cwd: path.join(import.meta.dirname, '..', '..'), encoding: 'utf8' });
    expect(r.stdout.trim().split('\n')).toEqual(paths);
  });
});
