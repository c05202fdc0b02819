import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../server/protocol.ts';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { rawRequest } from '../support/raw-http.ts';
import type { StartedServer } from '../support/server.ts';

let app: AppServer | undefined;
let server: StartedServer;
let api: ApiClient;
let token: string;
let host: string;
let sessionId: string;
let finishedRun: string;
let liveRun: string;

beforeAll(async () => {
  await requireEngine();
  ({ server, api, token } = app = await startAppServer());
  host = new URL(server.url).host;
  sessionId = await api.createSession();
  finishedRun = (await api.run(sessionId, 'echo done')).id;
  liveRun = await api.startRun(sessionId, 'sleep 300');
});

afterAll(async () => {
  await app?.close();
});

/** After every refusal the server must still answer. */
async function stillAnswers(): Promise<void> {
  const r = await rawRequest(server.url, { path: '/api/health' });
  expect(r.status).toBe(200);
}

const bearer = () => ({ Authorization: `Bearer ${token}` });

describe('Host header (DNS rebinding): refused before anything else', () => {
  const bad = [
    'attacker.example',
    'localhost.attacker.example',
    '127.0.0.1.attacker.example',
    '',
    '[::z]',
    '255.255.255.256',
    'local host',
    'a'.repeat(300),
  ];
  it.each(bad)('HTTP with Host %j and a valid token is refused', async (h) => {
    const r = await rawRequest(server.url, { method: 'POST', path: '/api/sessions', headers: { Host: h, ...bearer() } });
    expect(r.status).toBe(421);
    await stillAnswers();
  });
  it.each(bad)('a page with Host %j is refused', async (h) => {
    const r = await rawRequest(server.url, { path: '/', headers: { Host: h } });
    expect(r.status).toBe(421);
  });
  it.each(bad)('WebSocket upgrade with Host %j and a valid token is refused', async (h) => {
    const r = await rawRequest(server.url, { path: `/api/runs/${finishedRun}/stream`, headers: { Host: h, ...bearer() }, upgrade: true });
    expect(r.status).toBe(421);
    await stillAnswers();
  });
  it.each(['127.0.0.1:PORT', 'localhost:PORT', '127.0.0.1', 'LOCALHOST', '127.1.2.3:PORT'])('loopback Host %s is accepted', async (h) => {
    const r = await rawRequest(server.url, { path: '/api/health', headers: { Host: h.replace('PORT', new URL(server.url).port) } });
    expect(r.status).toBe(200);
  });
});

describe("Origin: exactly the server's own, or none for token scripts", () => {
  // HOST stands for the server's own host:port, filled in once it listens.
  const foreign = [
    'http://attacker.example',
    'http://HOST.evil.example',
    'http://evil.example/HOST',
    'http://xHOST',
    'http://127.0.0.1:1',
    'https://HOST:1',
    'http://HOST/',
    'null',
    'not a url',
  ];
  it.each(foreign)('POST with Origin %s is refused', async (o) => {
    const origin = o.replace('HOST', host);
    const r = await rawRequest(server.url, { method: 'POST', path: '/api/sessions', headers: { Origin: origin, ...bearer() } });
    expect(r.status).toBe(403);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    await stillAnswers();
  });
  it.each(foreign)('upgrade with Origin %s is refused', async (o) => {
    const origin = o.replace('HOST', host);
    const r = await rawRequest(server.url, { path: `/api/runs/${finishedRun}/stream`, headers: { Origin: origin, ...bearer() }, upgrade: true });
    expect(r.status).toBe(403);
  });
  it("accepts the server's own origin, and no origin from a token script", async () => {
    const own = await rawRequest(server.url, { path: `/api/runs/${finishedRun}`, headers: { Origin: `http://${host}`, ...bearer() } });
    expect(own.status).toBe(200);
    const up = await rawRequest(server.url, {
      path: `/api/runs/${finishedRun}/stream`,
      headers: { Origin: `http://${host}`, ...bearer() },
      upgrade: true,
    });
    expect(up.status).toBe(101);
  });
  it('never sends a CORS header that would let another origin read', async () => {
    for (const path of ['/api/health', `/api/runs/${finishedRun}`, '/']) {
      const r = await rawRequest(server.url, { path, headers: { Origin: 'http://attacker.example', ...bearer() } });
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('token: required, compared whole', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['missing', {}, ''],
    ['wrong', { Authorization: 'Bearer wrong-token-of-some-length-xx' }, ''],
    ['wrong length', { Authorization: 'Bearer x' }, ''],
    ['a prefix of the right one', { Authorization: `Bearer ${'TOKEN'.slice(0, 3)}` }, ''],
    ['not Bearer', { Authorization: 'Basic dXNlcjpwYXNz' }, ''],
    ['in the query of an API call', {}, '?token=TOKEN'],
  ];
  it.each(cases)('%s: 401', async (_name, headers, query) => {
    const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('TOKEN', token)]));
    const r = await rawRequest(server.url, { method: 'POST', path: `/api/sessions${query.replace('TOKEN', token)}`, headers: h });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error).toMatch(/token/i);
    const ws = await rawRequest(server.url, { path: `/api/runs/${finishedRun}/stream${query.replace('TOKEN', token)}`, headers: h, upgrade: true });
    expect(ws.status).toBe(401);
    await stillAnswers();
  });
  it('a page visit with the right token sets HttpOnly, SameSite=Strict cookies and drops the token from the URL', async () => {
    const r = await rawRequest(server.url, { path: `/?token=${token}` });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const cookies = r.headers['set-cookie'] ?? [];
    expect(cookies).toHaveLength(2);
    for (const c of cookies) {
      expect(c).toMatch(/HttpOnly/i);
      expect(c).toMatch(/SameSite=Strict/i);
    }
  });
  it('a page visit with a wrong token is refused', async () => {
    expect((await rawRequest(server.url, { path: '/?token=nope' })).status).toBe(401);
  });
  it('a cookie-borne state change without Origin is refused', async () => {
    const visit = await rawRequest(server.url, { path: `/?token=${token}` });
    const cookie = (visit.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const noOrigin = await rawRequest(server.url, { method: 'POST', path: '/api/sessions', headers: { Cookie: cookie } });
    expect(noOrigin.status).toBe(403);
    const withOrigin = await rawRequest(server.url, { method: 'POST', path: '/api/sessions', headers: { Cookie: cookie, Origin: `http://${host}` } });
    expect(withOrigin.status).toBe(201);
  });
});

describe('frames and messages', () => {
  function open(runId: string): Promise<{ ws: WebSocket; messages: ServerMessage[]; closed: Promise<number> }> {
    const ws = api.open(runId, 0);
    const messages: ServerMessage[] = [];
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('message', (d: Buffer, bin) => !bin && messages.push(JSON.parse(d.toString())));
    return new Promise((resolve) => ws.on('open', () => resolve({ ws, messages, closed })));
  }
  async function until(pred: () => boolean): Promise<void> {
    for (let i = 0; i < 1500 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(pred()).toBe(true);
  }

  it('an oversized frame closes the socket with 1009; the server carries on', async () => {
    const { ws, closed } = await open(liveRun);
    ws.send(Buffer.alloc(70 * 1024, 0x61));
    expect(await closed).toBe(1009);
    await stillAnswers();
  });

  it.each([
    ['invalid JSON', '{"type": "resize", '],
    ['unknown type', '{"type": "shutdown"}'],
    ['not an object', '[1, 2]'],
    ['a resize out of range', '{"type": "resize", "cols": 100000, "rows": 5}'],
    // Values whose own toString or valueOf is not a function: naming or coercing them throws.
    ['a type that is an object with its own toString', '{"type": {"toString": 1}}'],
    ['a type that is an object with its own valueOf and toString', '{"type": {"valueOf": null, "toString": null}}'],
    ['a type that is a list holding such an object', '{"type": [{"toString": 1}]}'],
    ['a resize whose sizes are such objects', '{"type": "resize", "cols": {"valueOf": 1}, "rows": {"toString": 1}}'],
    ['an ack whose count is such an object', '{"type": "ack", "bytes": {"toString": 1, "valueOf": 1}}'],
    ['a type on the prototype only', '{"__proto__": {"type": "ack", "bytes": 1}}'],
    ['a type named after an Object method', '{"type": "constructor"}'],
    ['a type of 60 KB', `{"type": "${'x'.repeat(60 * 1024)}"}`],
  ])('%s gets an error message and the stream stays open', async (_name, text) => {
    const { ws, messages } = await open(liveRun);
    ws.send(text);
    await until(() => messages.some((m) => m.type === 'error'));
    const error = messages.find((m) => m.type === 'error');
    expect(error?.message).toMatch(/\w+/);
    // The answer names what was wrong, not the whole of what was sent.
    expect(error?.message.length).toBeLessThan(300);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
    await stillAnswers();
  });

  it('stdin to a finished run gets an error, not a crash', async () => {
    const ws = api.open(finishedRun, 0);
    const messages: ServerMessage[] = [];
    ws.on('message', (d: Buffer, bin) => !bin && messages.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.on('open', r));
    ws.send(Buffer.from('echo late\r'));
    await new Promise((r) => ws.on('close', r));
    expect(messages.some((m) => m.type === 'exit')).toBe(true);
    await stillAnswers();
    expect((await api.info(finishedRun)).status).toBe('exited');
  });

  it('a non-numeric since is refused with 400', async () => {
    const r = await rawRequest(server.url, { path: `/api/runs/${finishedRun}/stream?since=abc`, headers: bearer(), upgrade: true });
    expect(r.status).toBe(400);
  });
});

describe('paths that are no URL, or that resolve elsewhere than they read', () => {
  // `//[` and the like make `new URL` throw: thrown out of the upgrade event, that ended the process.
  const broken = ['//[', '//[/api/runs/x/stream', '//x:99999/', '//[/ports/x/80/', '//%/', '/api/runs/%zz/stream', '//[?token=x'];
  it.each(broken)('%s: a plain answer to a request and to an upgrade, signed in or not, never a crash or a 500', async (p) => {
    for (const upgrade of [false, true]) {
      for (const headers of [{}, { ...bearer(), Origin: server.url }]) {
        const r = await rawRequest(server.url, { path: p, headers, upgrade }).catch((err: Error) => ({ status: 0, body: err.message }));
        expect(r.status, `${p} (upgrade ${upgrade}): ${r.body.slice(0, 200)}`).toBeGreaterThanOrEqual(300);
        expect(r.status, `${p} (upgrade ${upgrade}): ${r.body.slice(0, 200)}`).toBeLessThan(500);
      }
      await stillAnswers();
    }
  });
});
