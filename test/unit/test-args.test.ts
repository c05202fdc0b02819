/** The arguments of scripts/run-tests.mjs: after `docs`, every argument is a page or folder, whatever its name. */
import { describe, expect, it } from 'vitest';
import { LAYERS, testArgs } from '../../scripts/test-args.mjs';

describe('testArgs', () => {
  it('runs every layer but cluster when none is named, and the named ones otherwise', () => {
    expect(testArgs([])).toEqual({ layers: LAYERS, pages: [] });
    expect(testArgs(['unit'])).toEqual({ layers: ['unit'], pages: [] });
    expect(testArgs(['cluster'])).toEqual({ layers: ['cluster'], pages: [] });
    expect(testArgs(['unit', 'docs'])).toEqual({ layers: ['unit', 'docs'], pages: [] });
  });

  it('takes every argument after docs as a page or folder, even one named like a layer', () => {
    for (const folder of ['security', 'integration', 'e2e', 'unit', 'cluster', 'selfhost', 'docs']) {
      expect(testArgs(['docs', folder]), folder).toEqual({ layers: ['docs'], pages: [folder] });
    }
    expect(testArgs(['docs', 'docs/runbooks/deploy.mdx', 'security', 'runbooks'])).toEqual({
      layers: ['docs'],
      pages: ['docs/runbooks/deploy.mdx', 'security', 'runbooks'],
    });
  });

  it('refuses pages with other layers, and names that are no layer, saying what to write', () => {
    expect(testArgs(['unit', 'docs', 'security'])).toEqual({ error: expect.stringContaining('only go with the docs layer alone') });
    expect(testArgs(['runbooks'])).toEqual({ error: expect.stringContaining('Not a test layer: runbooks') });
    expect(testArgs(['runbooks'])).toEqual({ error: expect.stringContaining('npm run docs:test -- docs/<page>.mdx') });
  });
});
