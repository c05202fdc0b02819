import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../server/docker/labels.ts';
import { hashPassword } from '../../server/security/password.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { rawRequest, type RawResponse } from '../support/raw-http.ts';
import { expectServerAlive } from '../support/server-alive.ts';

const PASSWORD = 'class-password-7';
const PROXY = '127.0.0.9';
const started: Array<{ app: AppServer; pid: number }> = [];

async function start(env: Record<string, string>): Promise<AppServer> {
  const app = await startAppServer(env);
  started.push({ app, pid: app.server.process.pid! });
  return app;
}

afterAll(async () => {
  for (const { app, pid } of started) await expectServerAlive(app.server, pid);
  for (const { app } of started) await app.close();
});

const cookieOf = (r: RawResponse) => ((r.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');
const setCookies = (r: RawResponse) => (r.headers['set-cookie'] as string[] | undefined) ?? [];

/** A form login, from a given local address, with extra headers (X-Forwarded-For, Origin, ...). */
function login(app: AppServer, password: string, from: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const host = new URL(app.server.url).host;
  return rawRequest(app.server.url, {
    method: 'POST',
    path: '/login',
    headers: { Origin: `http://${host}`, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: `password=${encodeURIComponent(password)}`,
    localAddress: from,
  });
}

function api(app: AppServer, method: string, path: string, cookie: string, from = '127.0.0.1'): Promise<RawResponse> {
  const host = new URL(app.server.url).host;
  return rawRequest(app.server.url, { method, path, headers: { Cookie: cookie, Origin: `http://${host}` }, localAddress: from });
}

describe('hosted mode with a password', () => {
  let app: AppServer;
  let host: string;

  beforeAll(async () => {
    await requireEngine();
    app = await start({ NOTES_PASSWORD_HASH: hashPassword(PASSWORD), TRUSTED_PROXIES: PROXY, MAX_SESSIONS_PER_USER: '2' });
    host = new URL(app.server.url).host;
  });

  describe('failed logins are limited per client, as the client is identified in each mode', () => {
    it('behind a trusted proxy, each forwarded client has its own limit: three typos lock out only that client', async () => {
      const a = { 'X-Forwarded-For': '198.51.100.7' };
      expect((await login(app, 'typo-1', PROXY, a)).status).toBe(401);
      expect((await login(app, 'typo-2', PROXY, a)).status).toBe(401);
      expect((await login(app, 'typo-3', PROXY, a)).status).toBe(401);
      expect((await login(app, PASSWORD, PROXY, a)).status, 'the fourth try of the same client').toBe(429);
      const other = await login(app, PASSWORD, PROXY, { 'X-Forwarded-For': '198.51.100.8' });
      expect(other.status, 'another client behind the same proxy was locked out too').toBe(303);
    });

    it('only the right-most untrusted hop counts: a client cannot rotate the part of the header it writes itself', async () => {
      for (const forged of ['203.0.113.1', '203.0.113.2', '203.0.113.4']) {
        expect((await login(app, 'typo', PROXY, { 'X-Forwarded-For': `${forged}, 198.51.100.20` })).status).toBe(401);
      }
      expect((await login(app, 'typo', PROXY, { 'X-Forwarded-For': '203.0.113.3, 198.51.100.20' })).status).toBe(429);
      // A hop that is itself a trusted proxy is skipped.
      expect((await login(app, 'typo', PROXY, { 'X-Forwarded-For': `198.51.100.20, ${PROXY}` })).status).toBe(429);
    });

    it('a right password between wrong ones gives back only its own try: alternating does not buy guesses', async () => {
      const c = { 'X-Forwarded-For': '198.51.100.41' };
      expect((await login(app, 'guess-1', PROXY, c)).status).toBe(401);
      expect((await login(app, PASSWORD, PROXY, c)).status).toBe(303);
      expect((await login(app, 'guess-2', PROXY, c)).status).toBe(401);
      expect((await login(app, PASSWORD, PROXY, c)).status).toBe(303);
      expect((await login(app, 'guess-3', PROXY, c)).status).toBe(401);
      expect((await login(app, PASSWORD, PROXY, c)).status, 'after three wrong guesses with right logins between').toBe(429);
      expect((await login(app, 'guess-4', PROXY, c)).status).toBe(429);
    });

    it('IPv6 clients are counted by /64', async () => {
      expect((await login(app, 'typo', PROXY, { 'X-Forwarded-For': '2001:db8:1:2::1' })).status).toBe(401);
      expect((await login(app, 'typo', PROXY, { 'X-Forwarded-For': '2001:db8:1:2:ffff::9' })).status).toBe(401);
      expect((await login(app, 'typo', PROXY, { 'X-Forwarded-For': '2001:db8:1:2:eeee::7' })).status).toBe(401);
      expect((await login(app, PASSWORD, PROXY, { 'X-Forwarded-For': '2001:0db8:0001:0002::abcd' })).status).toBe(429);
      expect((await login(app, PASSWORD, PROXY, { 'X-Forwarded-For': '2001:db8:1:3::1' })).status, 'another /64').toBe(303);
    });

    it('X-Forwarded-For from an address that is not a trusted proxy is ignored', async () => {
      expect((await login(app, 'typo', '127.0.0.71', { 'X-Forwarded-For': '198.51.100.31' })).status).toBe(401);
      expect((await login(app, 'typo', '127.0.0.71', { 'X-Forwarded-For': '198.51.100.32' })).status).toBe(401);
      expect((await login(app, 'typo', '127.0.0.71', { 'X-Forwarded-For': '198.51.100.34' })).status).toBe(401);
      expect((await login(app, PASSWORD, '127.0.0.71', { 'X-Forwarded-For': '198.51.100.33' })).status).toBe(429);
    });

    it('without a proxy, each socket address has its own limit', async () => {
      expect((await login(app, 'typo', '127.0.0.72')).status).toBe(401);
      expect((await login(app, 'typo', '127.0.0.72')).status).toBe(401);
      expect((await login(app, 'typo', '127.0.0.72')).status).toBe(401);
      expect((await login(app, PASSWORD, '127.0.0.72')).status).toBe(429);
      expect((await login(app, PASSWORD, '127.0.0.73')).status).toBe(303);
    });

    it('the login accepts its own Origin in any letter case (the shared Origin check), and refuses another', async () => {
      expect((await login(app, PASSWORD, '127.0.0.74', { Origin: `HTTP://${host.toUpperCase()}` })).status).toBe(303);
      expect((await login(app, PASSWORD, '127.0.0.74', { Origin: 'http://evil.example' })).status).toBe(403);
    });
  });

  describe('a person who signs in again is still one person', () => {
    it('the sessions of all logins from one address are capped at MAX_SESSIONS_PER_USER', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const cookie = cookieOf(await login(app, PASSWORD, '127.0.0.81'));
        statuses.push((await api(app, 'POST', '/api/sessions', cookie, '127.0.0.81')).status);
      }
      expect(statuses, 'three logins from one address, one session each, with a cap of 2').toEqual([201, 201, 429]);
      const elsewhere = cookieOf(await login(app, PASSWORD, '127.0.0.82'));
      expect((await api(app, 'POST', '/api/sessions', elsewhere, '127.0.0.82')).status).toBe(201);
    });

    it('behind a trusted proxy the cap follows the forwarded client', async () => {
      const from = { 'X-Forwarded-For': '198.51.100.90' };
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const cookie = cookieOf(await login(app, PASSWORD, PROXY, from));
        const r = await rawRequest(app.server.url, {
          method: 'POST',
          path: '/api/sessions',
          headers: { Cookie: cookie, Origin: `http://${host}`, ...from },
          localAddress: PROXY,
        });
        statuses.push(r.status);
      }
      expect(statuses).toEqual([201, 201, 429]);
    });
  });

  describe('cookies the server did not issue are never taken', () => {
    it('a token visit replaces a planted browser id with one the server signs, and keeps its own', async () => {
      const planted = 'planted-browser-id-0123456789';
      const visit = await rawRequest(app.server.url, { path: `/?token=${app.token}`, headers: { Cookie: `rdn_browser=${planted}` } });
      expect(visit.status).toBe(303);
      const browser = setCookies(visit).find((c) => c.startsWith('rdn_browser='))!;
      expect(browser, 'the planted browser id was kept').not.toContain(planted);
      const issued = browser.split(';')[0]!;
      const again = await rawRequest(app.server.url, { path: `/?token=${app.token}`, headers: { Cookie: issued } });
      expect(
        setCookies(again)
          .find((c) => c.startsWith('rdn_browser='))!
          .split(';')[0],
      ).toBe(issued);
    });

    it('a planted browser id next to the real token cookie, or a forged login cookie, signs nobody in', async () => {
      const forged = [
        `rdn_token=${app.token}; rdn_browser=planted-browser-id-0123456789`,
        `rdn_token=${app.token}; rdn_browser=planted-browser-id-0123456789.c2lnbmF0dXJl`,
        'rdn_login=planted-browser-id-0123456789.c2lnbmF0dXJl',
      ];
      for (const cookie of forged) expect((await api(app, 'POST', '/api/sessions', cookie)).status, cookie).toBe(401);
    });

    it('a browser id cookie cannot stand in for a login cookie', async () => {
      const r = await login(app, PASSWORD, '127.0.0.75');
      const browserValue = setCookies(r)
        .find((c) => c.startsWith('rdn_browser='))!
        .split(';')[0]!
        .slice('rdn_browser='.length);
      expect((await api(app, 'GET', '/api/sessions/current', `rdn_login=${browserValue}`)).status).toBe(401);
    });
  });

  describe('cookies are Secure over HTTPS', () => {
    it('a login through a trusted proxy that says https gets Secure cookies; plain http does not', async () => {
      const https = await login(app, PASSWORD, PROXY, {
        'X-Forwarded-For': '198.51.100.50',
        'X-Forwarded-Proto': 'https',
        Origin: `https://${host}`,
      });
      expect(setCookies(https).length).toBeGreaterThan(0);
      for (const c of setCookies(https)) expect(c, c).toMatch(/;\s*Secure/i);
      const plain = await login(app, PASSWORD, PROXY, { 'X-Forwarded-For': '198.51.100.51' });
      // A refused login sets no cookie at all: without these two checks the loop below proves nothing.
      expect(plain.status, `the plain-http login: ${plain.body}`).toBe(303);
      expect(setCookies(plain), 'the plain-http login should set the login and browser cookies').toHaveLength(2);
      for (const c of setCookies(plain)) expect(c, c).not.toMatch(/Secure/i);
    });

    it('X-Forwarded-Proto from an untrusted address is not believed', async () => {
      const r = await login(app, PASSWORD, '127.0.0.76', { 'X-Forwarded-Proto': 'https' });
      expect(r.status).toBe(303);
      for (const c of setCookies(r)) expect(c, c).not.toMatch(/Secure/i);
    });

    it('the token visit sets Secure cookies behind an https proxy too', async () => {
      const r = await rawRequest(app.server.url, { path: `/?token=${app.token}`, headers: { 'X-Forwarded-Proto': 'https' }, localAddress: PROXY });
      expect(setCookies(r)).toHaveLength(2);
      for (const c of setCookies(r)) expect(c, c).toMatch(/;\s*Secure/i);
    });
  });

  describe('logout', () => {
    it('revokes the login on the server at once: the old cookie, replayed, no longer works', async () => {
      const cookie = cookieOf(await login(app, PASSWORD, '127.0.0.77'));
      expect((await api(app, 'GET', '/api/sessions/current', cookie)).status).toBe(200);
      const out = await api(app, 'POST', '/logout', cookie);
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/login');
      expect((await api(app, 'GET', '/api/sessions/current', cookie)).status, 'the replayed cookie still signed in').toBe(401);
      expect((await api(app, 'POST', '/api/sessions', cookie)).status).toBe(401);
      const page = await rawRequest(app.server.url, { path: '/', headers: { Cookie: cookie } });
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/login');
      expect(
        (await rawRequest(app.server.url, { path: '/api/runs/x/stream', headers: { Cookie: cookie, Origin: `http://${host}` }, upgrade: true }))
          .status,
      ).toBe(401);
    });

    it("ends the login's sessions: their sandboxes are removed and the address may hold new ones", async () => {
      const from = '127.0.0.79';
      const first = cookieOf(await login(app, PASSWORD, from));
      const created = await api(app, 'POST', '/api/sessions', first, from);
      expect(created.status, created.body).toBe(201);
      const sessionId = JSON.parse(created.body).id as string;
      // A run makes the session's sandbox: logout must remove it, not only forget the session.
      const run = await rawRequest(app.server.url, {
        method: 'POST',
        path: `/api/sessions/${sessionId}/runs`,
        headers: { Cookie: first, Origin: `http://${host}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ command: 'sleep 600' }),
        localAddress: from,
      });
      expect(run.status, run.body).toBe(201);
      const runId = JSON.parse(run.body).id as string;
      await expect.poll(async () => (await app.api.info(runId)).status, { timeout: 120_000 }).toBe('running');
      const { engine } = await requireEngine();
      const labels = { [LABELS.session]: sessionId };
      expect((await engine.listLabelled(labels)).containers.length, 'the session has a sandbox before logout').toBeGreaterThan(0);

      // The cap is 2 per address: a second login fills it.
      const second = cookieOf(await login(app, PASSWORD, from));
      expect((await api(app, 'POST', '/api/sessions', second, from)).status).toBe(201);
      const third = cookieOf(await login(app, PASSWORD, from));
      expect((await api(app, 'POST', '/api/sessions', third, from)).status, 'the address cap before logout').toBe(429);

      expect((await api(app, 'POST', '/logout', first, from)).status).toBe(303);
      expect((await app.api.request('GET', `/api/sessions/${sessionId}/runs`)).status, 'the logged-out session still exists').toBe(404);
      expect((await api(app, 'POST', '/api/sessions', third, from)).status, "the logged-out login's session still counts against the address").toBe(
        201,
      );
      await expect
        .poll(async () => (await engine.listLabelled(labels)).containers.length, {
          timeout: 60_000,
          message: 'the sandbox of the logged-out session was not removed',
        })
        .toBe(0);
    });

    it('checks the Origin like every other state change: none, or another, is refused and the login stays', async () => {
      const cookie = cookieOf(await login(app, PASSWORD, '127.0.0.78'));
      for (const headers of [{ Cookie: cookie }, { Cookie: cookie, Origin: 'http://evil.example' }, { Cookie: cookie, Origin: 'null' }] as Array<
        Record<string, string>
      >) {
        const r = await rawRequest(app.server.url, { method: 'POST', path: '/logout', headers });
        expect(r.status, JSON.stringify(headers)).toBe(403);
      }
      expect((await api(app, 'GET', '/api/sessions/current', cookie)).status, 'a refused logout ended the login').toBe(200);
    });
  });

  describe('/api/health', () => {
    it('tells an anonymous visitor only that the service is up', async () => {
      for (const headers of [{}, { Authorization: 'Bearer wrong-token-wrong-token' }, { Cookie: 'rdn_login=forged.forged' }] as Array<
        Record<string, string>
      >) {
        const r = await rawRequest(app.server.url, { path: '/api/health', headers });
        expect(r.status).toBe(200);
        expect(JSON.parse(r.body), JSON.stringify(headers)).toEqual({ ok: true });
      }
    });

    it('gives the full report to a signed-in browser and to the token holder', async () => {
      const cookie = cookieOf(await login(app, PASSWORD, '127.0.0.79'));
      const signedIn = JSON.parse((await api(app, 'GET', '/api/health', cookie)).body);
      expect(signedIn.engine.reachable).toBe(true);
      expect(signedIn.engine.version).toBeTruthy();
      expect(signedIn.sandboxImage.present).toBe(true);
      expect(signedIn.limits).toBeTruthy();
      const token = JSON.parse((await rawRequest(app.server.url, { path: '/api/health', headers: { Authorization: `Bearer ${app.token}` } })).body);
      expect(token.engine.reachable).toBe(true);
    });
  });
});

describe('a global budget of failed logins', () => {
  it('a client rotating through loopback addresses runs out of guesses, and so does everyone for a while', async () => {
    await requireEngine();
    const app = await start({ NOTES_PASSWORD_HASH: hashPassword(PASSWORD) });
    const statuses: number[] = [];
    // One guess from each of many addresses: no single address ever reaches its own limit.
    for (let i = 0; i < 24; i++) statuses.push((await login(app, `guess-${i}`, `127.0.1.${i + 10}`)).status);
    expect(statuses.slice(0, 20), 'the first 20 guesses are checked').toEqual(Array(20).fill(401));
    expect(statuses.slice(20), 'guesses past the global budget of 20 a minute').toEqual(Array(4).fill(429));
    const fresh = await login(app, PASSWORD, '127.0.2.1');
    expect(fresh.status, 'the right password from a new address while the budget is spent').toBe(429);
    expect(Number(fresh.headers['retry-after'])).toBeGreaterThan(0);
    expect(fresh.body).toMatch(/on this site/);
  });
});

describe('/api/health behind a signing-in proxy and on loopback', () => {
  it('anonymous: only up; a user named by the proxy: the full report', async () => {
    const app = await start({ TRUSTED_PROXY_HEADER: 'X-Forwarded-User', TRUSTED_PROXIES: PROXY });
    const anon = await rawRequest(app.server.url, { path: '/api/health', headers: { 'X-Forwarded-User': 'ada' }, localAddress: '127.0.0.90' });
    expect(JSON.parse(anon.body)).toEqual({ ok: true });
    const named = JSON.parse(
      (await rawRequest(app.server.url, { path: '/api/health', headers: { 'X-Forwarded-User': 'ada' }, localAddress: PROXY })).body,
    );
    expect(named.engine.reachable).toBe(true);
  });

  it('the local (loopback, token) mode keeps its full public report', async () => {
    const app = await start({});
    const r = JSON.parse((await rawRequest(app.server.url, { path: '/api/health' })).body);
    expect(r.engine.reachable).toBe(true);
  });
});
