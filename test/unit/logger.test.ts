import { describe, expect, it } from 'vitest';
import { lineLogger } from '../../server/logger.ts';

describe('lineLogger', () => {
  it('appends the context of child loggers, ids shortened, and the first line of an error', () => {
    const lines: string[] = [];
    const root = lineLogger((l) => lines.push(l));
    const run = root.child({ session: '0f8fad5b-d9cb-469f-a165-70867728950e' }).child({ run: '7c9e6679-7425-40de-944b-e07fc1f90ae7' });
    root.info('Started');
    run.warn('could not remove it', new Error('HTTP 500\nstack and more'));
    expect(lines).toEqual(['Started', 'Warning: could not remove it: HTTP 500 [session=0f8fad5b run=7c9e6679]']);
  });
});
