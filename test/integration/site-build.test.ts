import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdn-site-'));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

describe('the site build that a first `npm start` runs', () => {
  it('prints no warnings: what it prints at first start is what a newcomer must read', () => {
    const astro = path.join(projectRoot, 'node_modules', 'astro', 'bin', 'astro.mjs');
    const r = spawnSync(process.execPath, [astro, 'build', '--outDir', outDir], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).toBe(0);
    const warnings = out.split('\n').filter((l) => /\bWARN\b|warning/i.test(l));
    expect(warnings, warnings.join('\n')).toEqual([]);
    expect(fs.existsSync(path.join(outDir, 'index.html'))).toBe(true);
  });
});
