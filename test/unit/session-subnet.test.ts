import { describe, expect, it } from 'vitest';
import { subnetCandidates } from '../../server/sandbox/session-subnet.ts';

describe('session subnets', () => {
  it('are /28 blocks inside the configured /16, distinct, starting where the session id says', () => {
    const c = subnetCandidates('10.213.0.0/16', 'abc-123');
    expect(c).toHaveLength(24);
    expect(new Set(c).size).toBe(24);
    for (const s of c) expect(s).toMatch(/^10\.213\.(\d{1,3})\.(0|16|32|48|64|80|96|112|128|144|160|176|192|208|224|240)\/28$/);
    expect(subnetCandidates('10.213.0.0/16', 'abc-123')).toEqual(c);
    expect(subnetCandidates('10.213.0.0/16', 'other')[0]).not.toBe(c[0]);
  });

  it('refuses a base that is not a /16', () => {
    expect(() => subnetCandidates('10.0.0.0/8', 'x')).toThrow(/SANDBOX_SUBNETS/);
  });
});
