import { describe, expect, it } from 'vitest';
import { OpenCounts } from '../../server/open-counts.ts';

describe('OpenCounts', () => {
  it('counts per key, and each place is given back once however often its close fires', () => {
    const c = new OpenCounts();
    const a = c.add('s1');
    const b = c.add('s1');
    c.add('s2');
    expect([c.of('s1'), c.of('s2'), c.of('none')]).toEqual([2, 1, 0]);
    a();
    a();
    expect(c.of('s1'), 'a second give-back of one place took another').toBe(1);
    b();
    expect(c.of('s1')).toBe(0);
  });
});
