import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkshopManifest, pageOfBlock, pathnameOfPage } from '../../server/workshop/workshop-manifest.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("the build's workshop.json, as the server reads it", () => {
  it('is optional, is read again when the build rewrites it, and a broken one means no checks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-'));
    dirs.push(dir);
    const logged: string[] = [];
    const m = new WorkshopManifest(dir, (l) => logged.push(l));
    expect(m.page('images'), 'no manifest: no checks').toBeUndefined();
    const file = path.join(dir, 'workshop.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, pages: { images: { blocks: [], checks: { a: { script: 'true' } } } } }));
    expect(m.page('images')?.checks.a?.script).toBe('true');
    fs.writeFileSync(
      file,
      JSON.stringify({ version: 1, pages: { images: { blocks: [], checks: { b: { script: 'false' } }, catchUp: 'make setup' } } }),
    );
    expect(m.page('images')).toMatchObject({ checks: { b: { script: 'false' } }, catchUp: 'make setup' });
    fs.writeFileSync(file, '{ not json');
    expect(m.page('images')).toBeUndefined();
    expect(logged.join('\n')).toContain('is not valid JSON');
    expect(m.page('__proto__'), "only the file's own pages").toBeUndefined();
  });

  it("derives a page from a block key, and the block keys' pathname from a page", () => {
    expect(pageOfBlock('/images#3')).toBe('images');
    expect(pageOfBlock('/#0')).toBe('index');
    expect(pageOfBlock('/writing/runbook-template#1')).toBe('writing/runbook-template');
    expect(pageOfBlock('/images/#catch-up')).toBe('images');
    expect(pathnameOfPage('index')).toBe('/');
    expect(pathnameOfPage('writing/runbook-template')).toBe('/writing/runbook-template');
  });
});
