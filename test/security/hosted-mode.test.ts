import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';
import { LABELS } from '../../server/docker/labels.ts';
import { hashPassword } from '../../server/security/password.ts';
import { startAppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { rawRequest } from '../support/raw-http.ts';
import type { StartedServer } from '../support/server.ts';

const PASSWORD = 'workshop-password-42';
const servers: Array<{ server: StartedServer; instance: string }> = [];

afterAll(async () => {
  const { engine } = await requireEngine();
  for (const s of servers) {
    await s.server.stop();
    await engine.removeLabelled({ [LABELS.instance]: s.instance });
  }
});

describe('binding to a non-loopback address', () => {
  it('refuses to start without an auth method, and says what to set', () => {
    const r = spawnSync(process.execPath, [path.join(projectRoot, 'server', 'start.mjs')], {
      env: { ...process.env, HOST: '0.0.0.0', PORT: '0', SKIP_PREPARE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0.*NOTES_PASSWORD_HASH/s);
  });
});

describe('the rootful sandbox opt-in', () => {
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(projectRoot, 'server', 'start.mjs')], {
      env: { ...process.env, PORT: '0', SKIP_PREPARE: '1', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('is refused together with hosted mode, and says which variable acknowledges it', () => {
    const r = start({ NOTES_PASSWORD_HASH: hashPassword(PASSWORD), SANDBOX_ISOLATION: 'rootful' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/Refusing SANDBOX_ISOLATION=rootful in hosted mode.*SANDBOX_ROOTFUL_HOSTED=1/s);
  });

  it('is shown in /api/health and logged at start-up when acknowledged; rootless is the default', async () => {
    await requireEngine();
    const rootful = await startAppServer({ NOTES_PASSWORD_HASH: hashPassword(PASSWORD), SANDBOX_ISOLATION: 'rootful', SANDBOX_ROOTFUL_HOSTED: '1' });
    servers.push(rootful);
    const h = await rootful.api.request('GET', '/api/health');
    expect(h.body.isolation, JSON.stringify(h.body)).toBe('rootful');
    expect(rootful.server.output(), 'the start-up log').toMatch(/WARNING: SANDBOX_ISOLATION=rootful/);
    const plain = await startAppServer();
    servers.push(plain);
    expect((await plain.api.request('GET', '/api/health')).body.isolation).toBe('rootless');
  });
});

describe('hosted mode with a password', () => {
  let server: StartedServer;
  let host: string;

  beforeAll(async () => {
    await requireEngine();
    const started = await startAppServer({ NOTES_PASSWORD_HASH: hashPassword(PASSWORD) });
    servers.push(started);
    server = started.server;
    host = new URL(server.url).host;
  });

  /** Logs in from a given loopback address (the rate limit is per client address). */
  async function login(password: string, from: string) {
    return rawRequest(server.url, {
      method: 'POST',
      path: '/login',
      headers: { Origin: `http://${host}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `password=${encodeURIComponent(password)}`,
      localAddress: from,
    });
  }
  const cookieOf = (r: { headers: Record<string, unknown> }) => ((r.headers['set-cookie'] as string[]) ?? []).map((c) => c.split(';')[0]).join('; ');

  it('sends visitors without a login to /login, pages included', async () => {
    const page = await rawRequest(server.url, { path: '/' });
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login');
    const api = await rawRequest(server.url, { method: 'POST', path: '/api/sessions', headers: { Origin: `http://${host}` } });
    expect(api.status).toBe(401);
  });

  it('limits failed logins per client: 3 a minute, then 429', async () => {
    expect((await login('wrong-1', '127.0.0.21')).status).toBe(401);
    expect((await login('wrong-2', '127.0.0.21')).status).toBe(401);
    expect((await login('wrong-3', '127.0.0.21')).status).toBe(401);
    const limited = await login(PASSWORD, '127.0.0.21');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another client is not affected.
    expect((await login(PASSWORD, '127.0.0.22')).status).toBe(303);
    expect((await rawRequest(server.url, { path: '/api/health' })).status).toBe(200);
  });

  it("keeps each person's sessions, runs and port links to themselves: 404 for anyone else", async () => {
    const a = cookieOf(await login(PASSWORD, '127.0.0.31'));
    const b = cookieOf(await login(PASSWORD, '127.0.0.32'));
    const headers = (cookie: string) => ({ Cookie: cookie, Origin: `http://${host}`, 'Content-Type': 'application/json' });
    const session = JSON.parse((await rawRequest(server.url, { method: 'POST', path: '/api/sessions', headers: headers(a) })).body).id as string;
    const run = JSON.parse(
      (
        await rawRequest(server.url, {
          method: 'POST',
          path: `/api/sessions/${session}/runs`,
          headers: headers(a),
          body: JSON.stringify({ command: 'echo mine' }),
        })
      ).body,
    ).id as string;
    expect((await rawRequest(server.url, { path: `/api/runs/${run}`, headers: headers(a) })).status).toBe(200);
    for (const p of [`/api/runs/${run}`, `/api/sessions/${session}/runs`, `/ports/${session}/4000/`]) {
      expect((await rawRequest(server.url, { path: p, headers: headers(b) })).status, p).toBe(404);
    }
    expect((await rawRequest(server.url, { method: 'POST', path: `/api/runs/${run}/stop`, headers: headers(b) })).status).toBe(404);
    expect((await rawRequest(server.url, { method: 'DELETE', path: `/api/sessions/${session}`, headers: headers(b) })).status).toBe(404);
    expect((await rawRequest(server.url, { path: `/api/runs/${run}/stream`, headers: headers(b), upgrade: true })).status).toBe(404);
    expect((await rawRequest(server.url, { path: `/api/runs/${run}/stream`, headers: headers(a), upgrade: true })).status).toBe(101);
  });
});

describe('hosted mode behind a reverse proxy', () => {
  const PROXY = '127.0.0.41';
  const NOT_PROXY = '127.0.0.42';
  let server: StartedServer;

  /** A request that names `user` in the proxy's header, sent from the address `from`. */
  const asUser = (user: string, from: string, method: string, path: string) =>
    rawRequest(server.url, { method, path, headers: { 'X-Forwarded-User': user }, localAddress: from });

  beforeAll(async () => {
    const started = await startAppServer({ TRUSTED_PROXY_HEADER: 'X-Forwarded-User', TRUSTED_PROXIES: PROXY });
    servers.push(started);
    server = started.server;
  });

  it('believes the user header only from the configured proxy address', async () => {
    const viaProxy = await asUser('ada', PROXY, 'POST', '/api/sessions');
    expect(viaProxy.status).toBe(201);
    const direct = await asUser('ada', NOT_PROXY, 'POST', '/api/sessions');
    expect(direct.status).toBe(401);
    const page = await asUser('ada', NOT_PROXY, 'GET', '/');
    expect(page.status).toBe(401);
  });

  it("gives each named user their own session; another user's is 404", async () => {
    const ada = JSON.parse((await asUser('ada', PROXY, 'POST', '/api/sessions')).body).id;
    const bob = await asUser('bob', PROXY, 'GET', `/api/sessions/${ada}/runs`);
    expect(bob.status).toBe(404);
    const again = await asUser('ada', PROXY, 'GET', `/api/sessions/${ada}/runs`);
    expect(again.status).toBe(200);
  });
});
