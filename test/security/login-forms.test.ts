import zlib from 'node:zlib';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/security/password.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import type { RawResponse } from '../support/raw-http.ts';
import { expectServerAlive } from '../support/server-alive.ts';

const PASSWORD = 'class-password-7';
const FORM = 'application/x-www-form-urlencoded';

let app: AppServer;
let pid: number;

beforeAll(async () => {
  await requireEngine();
  // The class password alone: the name is optional, so a body without one reaches the password check.
  app = await startAppServer({ NOTES_PASSWORD_HASH: hashPassword(PASSWORD) });
  pid = app.server.process.pid!;
});

afterAll(async () => {
  if (app) await expectServerAlive(app.server, pid);
  await app?.close();
});

/** A POST /login from one local address, with the body as bytes (compressed ones too). */
function post(from: string, headers: Record<string, string>, body?: Buffer | string): Promise<RawResponse> {
  const { hostname, port, host } = new URL(app.server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      hostname,
      port,
      method: 'POST',
      path: '/login',
      localAddress: from,
      headers: { Origin: `http://${host}`, ...headers },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = (fields: string) => Buffer.from(fields);
const wrong = (from: string) => post(from, { 'Content-Type': FORM }, form('password=wrong-guess'));

/** The login page, with the status and the reason; never Express's error page with a stack. */
function expectLoginPage(r: RawResponse, status: number, says: RegExp, what: string): void {
  expect({ what, status: r.status }).toEqual({ what, status });
  expect(r.headers['content-type'], what).toMatch(/^text\/html/);
  expect(r.body, what).toContain('<form method="post" action="/login">');
  expect(r.body, what).toMatch(says);
  expect(r.body, `${what}: a stack or a file of the server`).not.toMatch(/\bat \S+ \(|node_modules|node:internal|Error:/);
  expect(r.headers['set-cookie'], what).toBeUndefined();
}

/** Three wrong passwords from `from` are 401, the fourth 429: nothing before counted as a guess. */
async function expectNoGuessCounted(from: string): Promise<void> {
  for (let i = 0; i < 3; i++) expect((await wrong(from)).status, `wrong guess ${i + 1} after the refused bodies`).toBe(401);
  expect((await wrong(from)).status).toBe(429);
}

describe('POST /login with a body it cannot read', () => {
  const gzip = zlib.gzipSync(`password=${PASSWORD}`);
  const cases: Array<[string, Record<string, string>, Buffer, number, RegExp]> = [
    ['a form over 2 KB', { 'Content-Type': FORM }, form(`password=${'x'.repeat(3000)}`), 413, /too large \(2 KB at most\)/],
    ['a name that makes it over 2 KB', { 'Content-Type': FORM }, form(`password=${PASSWORD}&name=${'a'.repeat(2100)}`), 413, /too large/],
    ['charset=latin1', { 'Content-Type': `${FORM}; charset=latin1` }, form(`password=${PASSWORD}`), 415, /charset \(latin1\).*UTF-8/],
    ['charset=shift_jis', { 'Content-Type': `${FORM}; charset=shift_jis` }, form(`password=${PASSWORD}`), 415, /charset \(shift_jis\).*UTF-8/],
    ['a broken gzip', { 'Content-Type': FORM, 'Content-Encoding': 'gzip' }, form(`password=${PASSWORD}`), 400, /could not be decompressed/],
    ['a gzip cut short', { 'Content-Type': FORM, 'Content-Encoding': 'gzip' }, gzip.subarray(0, 12), 400, /could not be read/],
    ['a broken deflate', { 'Content-Type': FORM, 'Content-Encoding': 'deflate' }, form('not deflate'), 400, /could not be decompressed/],
    ['a broken br', { 'Content-Type': FORM, 'Content-Encoding': 'br' }, form('not brotli at all'), 400, /could not be decompressed/],
    [
      'an encoding the server does not read',
      { 'Content-Type': FORM, 'Content-Encoding': 'compress' },
      form(`password=${PASSWORD}`),
      415,
      /Content-Encoding \(compress\)/,
    ],
  ];

  it('gets the login page with the reason and its status, never a stack, and counts as no guess', async () => {
    for (const [what, headers, body, status, says] of cases) expectLoginPage(await post('127.0.0.31', headers, body), status, says, what);
    await expectNoGuessCounted('127.0.0.31');
  });

  it('a form compressed as it should be, or that names UTF-8, signs in', async () => {
    const gzipped = await post('127.0.0.32', { 'Content-Type': FORM, 'Content-Encoding': 'gzip' }, gzip);
    expect(gzipped.status, gzipped.body.slice(0, 300)).toBe(303);
    // ISO-8859-1 is the one charset besides UTF-8 the form parser decodes.
    for (const type of [`${FORM}; charset=utf-8`, `${FORM}; charset=UTF-8`, `${FORM}; charset=iso-8859-1`]) {
      expect((await post('127.0.0.32', { 'Content-Type': type }, form(`password=${PASSWORD}`))).status, type).toBe(303);
    }
  });
});

describe('POST /login with a body that is not a form', () => {
  const multipart = ['--XyZ', 'Content-Disposition: form-data; name="password"', '', PASSWORD, '--XyZ--', ''].join('\r\n');
  const cases: Array<[string, Record<string, string>, string | undefined]> = [
    ['JSON with the right password', { 'Content-Type': 'application/json' }, JSON.stringify({ password: PASSWORD })],
    ['JSON with a wrong one', { 'Content-Type': 'application/json' }, JSON.stringify({ password: 'guess' })],
    ['multipart, as curl -F sends it', { 'Content-Type': 'multipart/form-data; boundary=XyZ' }, multipart],
    ['text/plain that looks like a form', { 'Content-Type': 'text/plain' }, `password=${PASSWORD}`],
    ['a body without a Content-Type', {}, `password=${PASSWORD}`],
    ['no body at all', {}, undefined],
  ];

  it('is refused with 415 saying to send a form, before the limiter counts anything', async () => {
    for (const [what, headers, body] of cases) {
      const r = await post('127.0.0.33', headers, body);
      expectLoginPage(r, 415, /Send the sign-in as a form \(Content-Type: application\/x-www-form-urlencoded\)/, what);
    }
    await expectNoGuessCounted('127.0.0.33');
  });
});

describe('POST /login with a field sent twice', () => {
  const cases: Array<[string, string]> = [
    ['the right password twice', `password=${PASSWORD}&password=${PASSWORD}`],
    ['two passwords', 'password=a&password=b'],
    ['an empty one and the right one', `password=&password=${PASSWORD}`],
    ['two names', `password=${PASSWORD}&name=ada&name=bob`],
  ];

  it('is 400 saying to send each field once, and no guess', async () => {
    for (const [what, body] of cases) expectLoginPage(await post('127.0.0.34', { 'Content-Type': FORM }, form(body)), 400, /more than once/, what);
    await expectNoGuessCounted('127.0.0.34');
  });

  it('other fields twice do not matter: the form signs in', async () => {
    expect((await post('127.0.0.35', { 'Content-Type': FORM }, form(`extra=1&extra=2&password=${PASSWORD}`))).status).toBe(303);
  });
});
