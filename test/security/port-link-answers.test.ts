import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PORT_LINKS_PER_SESSION } from '../../server/http/port-proxy.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { rawRequest, type RawResponse } from '../support/raw-http.ts';
import { expectServerAlive } from '../support/server-alive.ts';

// A container that answers port-link requests with broken or malicious HTTP (one path per way).
const HOSTILE = fs.readFileSync(path.join(import.meta.dirname, '..', 'support', 'hostile-http-server.py'), 'utf8');

let app: AppServer;
let pid: number;
let session: string;
let prefix: string;

const get = (p: string, extra: { upgrade?: boolean; method?: string } = {}): Promise<RawResponse> =>
  rawRequest(app.server.url, { path: `${prefix}${p.replace(/^\//, '')}`, headers: { Authorization: `Bearer ${app.token}` }, ...extra }).catch(
    (err: Error) => ({ status: 0, headers: {}, body: `connection cut: ${err.message}` }),
  );

beforeAll(async () => {
  await requireEngine();
  app = await startAppServer();
  pid = app.server.process.pid!;
  session = await app.api.createSession();
  prefix = `/ports/${session}/8000/`;
  const code = Buffer.from(HOSTILE).toString('base64');
  const r = await app.api.run(
    session,
    `docker run -d --name hostile -p 8000:8000 python:3.12-slim python3 -c "import base64; exec(base64.b64decode('${code}'))"`,
  );
  expect(r.exitCode, r.text).toBe(0);
  for (let i = 0; i < 120; i++) {
    if ((await get('/ok')).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('The hostile server in the sandbox never answered /ok through the port link.');
});

afterAll(async () => {
  if (app) await expectServerAlive(app.server, pid);
  await app?.close();
});

/** What a 502 for a broken answer must look like: the fixed message, nothing internal. */
function expectCleanBadGateway(r: RawResponse, what: string): void {
  expect(r.status, `${what}: expected 502, got ${r.status} ${r.body.slice(0, 300)}`).toBe(502);
  const body = JSON.parse(r.body) as { error: string };
  expect(body.error).toMatch(/port 8000 in your sandbox/);
  // No parser codes, stack frames, addresses or object names reach the page.
  expect(body.error).not.toMatch(/HPE_|Error:|\bat \w|\d+\.\d+\.\d+\.\d+|runnable-docker-notes|rdn-|ECONN|socket/);
  expect(r.headers['set-cookie']).toBeUndefined();
}

describe('a malformed answer from a container fails only that request', () => {
  const broken = [
    'status-42',
    'status-0',
    'status-099',
    'status-999',
    'status-1000',
    'status-abc',
    'status-negative',
    'status-101',
    'not-http',
    'binary',
    'no-colon',
    'space-before-colon',
    'nul-in-header',
    'cl-and-te',
    'two-lengths',
    'truncated-head',
    'truncated-empty-body',
    'bad-chunked',
    'long-header',
    'many-headers',
    'endless-headers',
    'status-100-only',
    'closes-at-once',
  ];
  it.each(broken)('/%s: 502 with a fixed message, and the server lives on', async (p) => {
    const r = await get(`/${p}`);
    expectCleanBadGateway(r, p);
    await expectServerAlive(app.server, pid);
    expect((await get('/ok')).status, 'the port link still works for the next request').toBe(200);
  });

  it('an answer whose head never ends: 502 after the answer timeout, the server lives on', async () => {
    const r = await get('/stalled-head');
    expectCleanBadGateway(r, 'stalled-head');
    expect(JSON.parse(r.body).error).toMatch(/did not answer within 30 s/);
    await expectServerAlive(app.server, pid);
  });

  it('a body that breaks after it started: the visitor connection is cut, the server lives on', async () => {
    for (const p of ['/truncated-body', '/bad-chunked-later']) {
      const r = await get(p);
      // Once the head went on, a cut connection is all that is left to say; when the break came
      // with the head, it is a clean 502. Never a complete-looking answer.
      if (r.status === 502) expectCleanBadGateway(r, p);
      else expect(r.status, `${p}: expected a cut connection, got ${r.status} ${r.body}`).toBe(0);
      await expectServerAlive(app.server, pid);
    }
  });

  it('the same broken answers to a WebSocket upgrade: 502 and the server lives on', async () => {
    for (const p of ['status-42', 'status-999', 'no-colon', 'truncated-head', 'long-header', 'not-http']) {
      const r = await get(`/${p}`, { upgrade: true });
      expectCleanBadGateway(r, `upgrade ${p}`);
      await expectServerAlive(app.server, pid);
    }
  });

  it('nothing listening: 502 that says so, without the address', async () => {
    const r = await rawRequest(app.server.url, { path: `/ports/${session}/8999/`, headers: { Authorization: `Bearer ${app.token}` } });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).error).toBe(
      'Nothing answers on port 8999 in your sandbox. Is the container running and publishing it (docker run -p 8999:...)?',
    );
  });
});

describe('dot segments in a port-link path are resolved as a browser does, never a 500', () => {
  const raw = (p: string, upgrade = false) =>
    rawRequest(app.server.url, { path: p, headers: { Authorization: `Bearer ${app.token}` }, upgrade }).catch(
      (err: Error) => ({ status: 0, headers: {}, body: `connection cut: ${err.message}` }) as RawResponse,
    );
  it.each([
    ['up inside the link', 'a/b/../../ok', 200],
    ['up inside the link, percent-encoded', 'a/%2e%2e/ok', 200],
    ['up out of the link to the site', '../../../x', 404],
    ['up out of the link, percent-encoded', '%2e%2e/%2e%2e/%2e%2e/x', 404],
    ['up to another port of the same session', '../8999/', 502],
    ['up to a session that does not exist (the answer for one that is not yours)', '../../00000000-0000-0000-0000-000000000000/8000/', 404],
    ['up out to where the API is (routes match the path as sent)', '../../../api/health', 404],
  ])('%s (%s): %s', async (_name, rest, status) => {
    for (const upgrade of [false, true]) {
      const r = await raw(`/ports/${session}/8000/${rest}`, upgrade);
      // An upgrade to a plain page is refused by whatever it reaches; only its status class is the same.
      if (upgrade) expect(r.status, `upgrade ${rest}: ${r.body.slice(0, 200)}`).not.toBe(500);
      else expect(r.status, `${rest}: ${r.body.slice(0, 200)}`).toBe(status);
      await expectServerAlive(app.server, pid);
    }
  });
});

const HOSTILE_NAMES = [
  'set-cookie',
  'clear-site-data',
  'refresh',
  'link',
  'service-worker-allowed',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'strict-transport-security',
  'permissions-policy',
  'alt-svc',
  'x-frame-options',
  'origin-agent-cluster',
];

function expectNoHostileHeaders(r: RawResponse, what: string): void {
  for (const h of HOSTILE_NAMES) expect(r.headers[h], `${what}: header ${h} reached the browser`).toBeUndefined();
}

describe('only allow-listed request headers reach the container', () => {
  // Who the visitor is, and what proves it: the site's cookie and token, and what a signing-in
  // proxy adds in front of the site. A third-party image in a sandbox must see none of it.
  const IDENTITY: Record<string, string> = {
    Cookie: 'rdn_login=secret-login; rdn_browser=secret-browser',
    'X-Forwarded-User': 'ada',
    'X-Forwarded-Email': 'ada@example.org',
    'X-Forwarded-Access-Token': 'secret-access-token',
    'X-Forwarded-Preferred-Username': 'ada',
    'X-Forwarded-Groups': 'admins',
    'X-Auth-Request-User': 'ada',
    'X-Auth-Request-Email': 'ada@example.org',
    'X-Auth-Request-Access-Token': 'secret-auth-request-token',
    'X-Remote-User': 'ada',
    'Remote-User': 'ada',
    'Proxy-Authorization': 'Basic c2VjcmV0OnNlY3JldA==',
    'X-Real-IP': '203.0.113.9',
    'X-Forwarded-For': '203.0.113.9',
    'X-Forwarded-Host': 'notes.example.org',
    'X-Forwarded-Proto': 'https',
    Forwarded: 'for=203.0.113.9;proto=https',
    Origin: 'http://notes.example.org',
    Referer: 'http://notes.example.org/secret-page',
  };
  const ORDINARY: Record<string, string> = {
    Accept: 'text/html',
    'Accept-Language': 'de-CH',
    'Accept-Encoding': 'gzip',
    'Content-Type': 'text/plain',
    'User-Agent': 'port-link-test/1',
    Range: 'bytes=0-99',
    'If-None-Match': '"v1"',
    'If-Modified-Since': 'Sat, 01 Jan 2000 00:00:00 GMT',
    'Cache-Control': 'no-cache',
  };

  it('identity, forwarding, cookie and auth headers never arrive; ordinary ones do', async () => {
    // The Bearer token is how this request signs in: it must not arrive either.
    const r = await rawRequest(app.server.url, {
      path: `${prefix}echo-headers`,
      headers: { Authorization: `Bearer ${app.token}`, ...IDENTITY, ...ORDINARY, Origin: `http://${new URL(app.server.url).host}` },
    });
    expect(r.status, r.body).toBe(200);
    const got = new Map(
      r.body
        .split('\r\n')
        .slice(1)
        .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()] as const),
    );
    const leaked = ['authorization', ...Object.keys(IDENTITY).map((k) => k.toLowerCase())].filter((k) => got.has(k));
    expect(leaked, `the container received these identity headers:\n${r.body}`).toEqual([]);
    for (const [k, v] of Object.entries(ORDINARY)) expect(got.get(k.toLowerCase()), `${k} did not reach the container:\n${r.body}`).toBe(v);
    expect(got.get('host'), 'the container gets its own address as Host').toMatch(/:8000$/);
  });
});

describe('a streaming answer', () => {
  it('a body silent for longer than the 30 s head timeout is passed on whole, not cut', async () => {
    const r = await get('/slow-body');
    expect(r.status, `expected the streamed answer, got ${r.status}: ${r.body.slice(0, 300)}`).toBe(200);
    expect(r.body).toBe('first\nlater\n');
  }, 120_000);
});

describe('port-link connections per session are capped', () => {
  it(`past ${MAX_PORT_LINKS_PER_SESSION} open at once (answers the container holds open), 429; a closed one gives its place back`, async () => {
    const held: http.ClientRequest[] = [];
    const answers = await Promise.all(
      Array.from(
        { length: MAX_PORT_LINKS_PER_SESSION + 6 },
        () =>
          new Promise<{ status: number; body: string }>((resolve) => {
            // A streamed answer: its head comes at once, its end 32 s later.
            const req = http.request(
              `${app.server.url}${prefix}slow-body`,
              { headers: { Authorization: `Bearer ${app.token}` }, agent: false },
              (res) => {
                let body = '';
                res.on('data', (d: Buffer) => {
                  body += String(d);
                  if (res.statusCode !== 200 || body.includes('first')) resolve({ status: res.statusCode ?? 0, body });
                });
                res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
              },
            );
            req.on('error', (err) => resolve({ status: 0, body: err.message }));
            req.end();
            held.push(req);
          }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length, `statuses: ${statuses.join(' ')}`).toBe(MAX_PORT_LINKS_PER_SESSION);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBe(6);
    expect(refused[0]!.body, 'the refusal says why').toMatch(/port-link connections open/);
    for (const req of held) req.destroy();
    let next = await get('/ok');
    for (let i = 0; i < 50 && next.status === 429; i++) {
      await new Promise((r) => setTimeout(r, 100));
      next = await get('/ok');
    }
    expect(next.status, 'the places came back once the visitors left').toBe(200);
  }, 60_000);
});

describe('only allow-listed headers reach the browser', () => {
  it('a plain answer keeps its content headers and loses cookies, Clear-Site-Data, Refresh, CORS, HSTS ...', async () => {
    const r = await get('/hostile-headers');
    expect(r.status).toBe(200);
    expect(r.body).toBe('<p>hi</p>');
    expect(r.headers['content-type']).toBe('text/html');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers.etag).toBe('"v1"');
    expectNoHostileHeaders(r, 'plain');
    // The container's own CSP is replaced by the opaque-origin sandbox.
    expect(r.headers['content-security-policy']).toMatch(/^sandbox /);
  });

  it('a redirect stays inside the same port link, or loses its Location', async () => {
    expect((await get('/redirect-path')).headers.location).toBe(`${prefix}next?a=1`);
    expect((await get('/sub/redirect-relative')).headers.location).toBe(`${prefix}other`);
    expect((await get('/redirect-escape')).headers.location).toBe(`${prefix}api/sessions`);
    for (const p of ['/redirect-evil', '/redirect-scheme-relative', '/redirect-js']) {
      const r = await get(p);
      expect(r.status, p).toBe(302);
      expect(r.headers.location, `${p}: a Location out of the port link reached the browser`).toBeUndefined();
      expectNoHostileHeaders(r, p);
    }
  });

  it('a WebSocket handshake answer passes only its own headers (no planted cookies)', async () => {
    const r = await get('/ws', { upgrade: true });
    expect(r.status).toBe(101);
    expect(r.headers['sec-websocket-accept']).toBeTruthy();
    expectNoHostileHeaders(r, 'upgrade 101');
  });

  it('an upgrade the container refuses is passed on cleaned', async () => {
    const r = await get('/refuse-upgrade', { upgrade: true });
    expect(r.status).toBe(403);
    expectNoHostileHeaders(r, 'refused upgrade');
  });

  it('the server process is the same one at the end', async () => {
    await expectServerAlive(app.server, pid);
  });
});
