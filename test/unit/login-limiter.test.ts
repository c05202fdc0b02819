import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../server/security/login-limiter.ts';
import { hashPassword, verifyPassword } from '../../server/security/password.ts';

describe('LoginLimiter: 2 failed logins a minute, 12 an hour, per client', () => {
  it('allows two failures a minute, then asks to wait', () => {
    const l = new LoginLimiter();
    const t0 = 1_000_000;
    expect(l.retryAfter('a', t0)).toBe(0);
    l.fail('a', t0);
    l.fail('a', t0 + 1000);
    expect(l.retryAfter('a', t0 + 2000)).toBe(58_000);
    expect(l.retryAfter('b', t0 + 2000)).toBe(0);
    expect(l.retryAfter('a', t0 + 60_001)).toBe(0);
  });

  it('caps an hour at twelve', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 12; i++) l.fail('a', i * 61_000);
    expect(l.retryAfter('a', 12 * 61_000)).toBeGreaterThan(60_000);
    l.succeed('a');
    expect(l.retryAfter('a', 12 * 61_000)).toBe(0);
  });
});

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses others', async () => {
    const h = hashPassword('correct horse battery');
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(await verifyPassword('x', 'not a hash')).toBe(false);
  });
});
