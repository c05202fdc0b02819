import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { LOGIN_TTL_MS, RequestGuard } from '../../server/security/request-guard.ts';

const guard = () =>
  new RequestGuard({
    token: 'x'.repeat(32),
    allowedHosts: ['localhost'],
    passwordLogin: true,
    trustedProxies: [],
    cookieSecret: crypto.randomBytes(32),
  });

const withLogin = (cookie: string) =>
  ({ headers: { cookie: `rdn_login=${cookie}` }, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage;

describe('a login that ends names its browser, so its sessions can be closed', () => {
  it('an expired login is reported once by the sweep, and a live one is not', () => {
    const g = guard();
    g.loginCookie('old-login-000000000000', 0);
    g.loginCookie('new-login-000000000000', LOGIN_TTL_MS);
    expect(g.endExpiredLogins(LOGIN_TTL_MS - 1), 'nothing has expired yet').toEqual([]);
    expect(g.endExpiredLogins(LOGIN_TTL_MS)).toEqual(['old-login-000000000000']);
    expect(g.endExpiredLogins(LOGIN_TTL_MS + 1), 'a login is reported once').toEqual([]);
    expect(g.endExpiredLogins(2 * LOGIN_TTL_MS)).toEqual(['new-login-000000000000']);
  });

  it('logout returns the revoked login once; a forged or repeated one returns nothing', () => {
    const g = guard();
    const cookie = g.loginCookie('some-login-00000000000');
    expect(g.revokeLogin(withLogin('some-login-00000000000.forged-signature'))).toBeUndefined();
    expect(g.revokeLogin(withLogin(cookie))).toBe('some-login-00000000000');
    expect(g.revokeLogin(withLogin(cookie)), 'a second logout with the same cookie').toBeUndefined();
    expect(g.identify(withLogin(cookie)), 'the revoked cookie still signs in').toBeNull();
  });
});
