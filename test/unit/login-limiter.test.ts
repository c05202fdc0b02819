import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../server/security/login-limiter.ts';
import { hashPassword, verifyPassword } from '../../server/security/password.ts';

describe('LoginLimiter: 3 failed logins a minute, 12 an hour, per client', () => {
  it('allows three failures a minute, then asks to wait', () => {
    const l = new LoginLimiter();
    const t0 = 1_000_000;
    expect(l.retryAfter('a', t0)).toBe(0);
    l.fail('a', t0);
    l.fail('a', t0 + 1000);
    expect(l.retryAfter('a', t0 + 1500)).toBe(0);
    l.fail('a', t0 + 1000);
    expect(l.retryAfter('a', t0 + 2000)).toBe(58_000);
    expect(l.retryAfter('b', t0 + 2000)).toBe(0);
    expect(l.retryAfter('a', t0 + 60_001)).toBe(0);
  });

  it('caps an hour at twelve', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 12; i++) l.fail('a', i * 61_000);
    expect(l.retryAfter('a', 12 * 61_000)).toBeGreaterThan(60_000);
  });

  it('a right password gives back only its own try: the wrong guesses before it still count', () => {
    const l = new LoginLimiter();
    const t0 = 2_000_000;
    // One client alternates a wrong guess (at the instructor's password) with a right login (an attendee's).
    l.fail('a', t0);
    l.succeed('a', l.fail('a', t0 + 10));
    l.fail('a', t0 + 20);
    l.succeed('a', l.fail('a', t0 + 30));
    l.fail('a', t0 + 40);
    l.succeed('a', l.fail('a', t0 + 50));
    expect(l.retryAfter('a', t0 + 60), 'three wrong guesses within a minute, whatever came between').toBeGreaterThan(0);
    // A right try alone costs nothing.
    l.succeed('b', l.fail('b', t0));
    l.succeed('b', l.fail('b', t0 + 1));
    l.succeed('b', l.fail('b', t0 + 2));
    expect(l.retryAfter('b', t0 + 3)).toBe(0);
  });
});

describe('LoginLimiter: a global budget across clients (20 a minute, 100 an hour)', () => {
  it('stops guesses spread over many clients, each below its own limit', () => {
    const l = new LoginLimiter();
    const t0 = 5_000_000;
    for (let i = 0; i < 20; i++) l.fail(`client-${i}`, t0 + i);
    const next = l.check('client-new', t0 + 100);
    expect(next.everyone).toBe(true);
    expect(next.wait).toBe(60_000 - 100);
    expect(l.retryAfter('client-new', t0 + 60_020)).toBe(0);
  });

  it('caps an hour at a hundred, whatever the spread', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 100; i++) l.fail(`c${i}`, i * 5_000);
    expect(l.check('fresh', 100 * 5_000).wait).toBeGreaterThan(60_000);
  });

  it('a right password gives back the try it counted, so good logins never spend the budget', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 40; i++) {
      l.succeed(`person-${i}`, l.fail(`person-${i}`, 1000 + i));
    }
    expect(l.retryAfter('anyone', 2000)).toBe(0);
  });

  it('windows can be chosen', () => {
    const l = new LoginLimiter([{ ms: 1000, max: 5 }], [{ ms: 1000, max: 3 }]);
    l.fail('a', 0);
    l.fail('b', 0);
    l.fail('c', 0);
    expect(l.check('d', 10)).toEqual({ wait: 990, everyone: true });
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
