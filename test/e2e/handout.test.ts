import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';

describe('npm run handout', () => {
  it('writes one PDF of every page, with recorded outputs', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rdn-handout-')), 'handout.pdf');
    const log = execFileSync(process.execPath, [path.join(projectRoot, 'scripts', 'handout.ts'), out], { cwd: projectRoot, encoding: 'utf8' });
    expect(log).toMatch(/Handout written/);
    const pdf = fs.readFileSync(out);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBeGreaterThan(10);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
