import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { rawRequest, type RawResponse } from '../support/raw-http.ts';
import { expectServerAlive } from '../support/server-alive.ts';
import { siteWithManifest } from '../support/workshop.ts';

// A site folder the static server cannot read everywhere: links that loop (ELOOP is no "not found").
const site = siteWithManifest({ version: 1, pages: {} });
fs.symlinkSync('loop.html', path.join(site.dir, 'loop.html'));
fs.symlinkSync('loopdir', path.join(site.dir, 'loopdir'));
fs.symlinkSync('b.html', path.join(site.dir, 'a.html'));
fs.symlinkSync('a.html', path.join(site.dir, 'b.html'));

let app: AppServer;
let pid: number;

beforeAll(async () => {
  await requireEngine();
  app = await startAppServer({ SITE_DIR: site.dir });
  pid = app.server.process.pid!;
});

afterAll(async () => {
  if (app) await expectServerAlive(app.server, pid);
  await app?.close();
  site.remove();
});

/** No stack, no file of the server or the site, no error class: what Express's own page would show. */
function expectNoInternals(r: RawResponse, what: string): void {
  expect(r.body, `${what}: internals in the answer`).not.toMatch(/\bat \S+ \(|node_modules|node:internal|\/work\/|\/tmp\/|ELOOP|Error:|<pre>/);
}

describe('an error no router answers gets a status and a plain reason from the one mapping, never a stack', () => {
  it.each([
    ['a page whose file is a link to itself', 'GET', '/loop.html'],
    ['the same page without .html', 'GET', '/loop'],
    ['a folder that is a link to itself', 'GET', '/loopdir/'],
    ['two links to each other', 'GET', '/a.html'],
    ['HEAD of such a page', 'HEAD', '/loop.html'],
  ])('%s: 500, "Internal error", and the reason in the server log', async (what, method, p) => {
    const r = await rawRequest(app.server.url, { method, path: p });
    expect({ what, status: r.status }).toEqual({ what, status: 500 });
    expect(r.headers['content-type'], what).toMatch(/^text\/plain/);
    if (method === 'GET') expect(r.body).toBe('Internal error; the server log has the details.');
    expectNoInternals(r, what);
    expect(app.server.output()).toMatch(new RegExp(`Error answering ${method} ${p.replace(/\./g, '\\.')}: .*ELOOP`));
  });

  it('the pages around them are served as before', async () => {
    expect((await rawRequest(app.server.url, { path: '/' })).status).toBe(200);
    expect((await rawRequest(app.server.url, { path: '/no-such-page' })).status).toBe(404);
  });
});

describe('bodies and paths the API cannot decode: what to send instead, not the parser’s words', () => {
  const json = (extra: Record<string, string>) => ({ 'Content-Type': 'application/json', ...extra });
  const signedIn = (headers: Record<string, string>) => ({ Authorization: `Bearer ${app.token}`, ...headers });
  const cases: Array<[string, string, string, Record<string, string>, string | undefined, number, RegExp]> = [
    [
      'charset=latin1',
      'POST',
      '/api/sessions',
      json({ 'Content-Type': 'application/json; charset=latin1' }),
      '{}',
      415,
      /charset \(latin1\).*send it as UTF-8/,
    ],
    ['a broken gzip', 'POST', '/api/sessions', json({ 'Content-Encoding': 'gzip' }), '{}', 400, /could not be decompressed/],
    ['an unknown Content-Encoding', 'POST', '/api/sessions', json({ 'Content-Encoding': 'compress' }), '{}', 415, /Content-Encoding \(compress\)/],
    ['latin1 to the workshop API', 'POST', '/api/workshop/help', json({ 'Content-Type': 'application/json; charset=latin1' }), '{}', 415, /UTF-8/],
    [
      'a broken deflate to the workshop API',
      'POST',
      '/api/workshop/help',
      json({ 'Content-Encoding': 'deflate' }),
      '{}',
      400,
      /could not be decompressed/,
    ],
    ['a broken percent-encoding in a run id', 'GET', '/api/runs/%E0%A4%A', json({}), undefined, 400, /percent-encoding/],
    ['a broken percent-encoding in a session id', 'DELETE', '/api/sessions/%zz', json({}), undefined, 400, /percent-encoding/],
  ];

  it.each(cases)('%s', async (what, method, p, headers, body, status, says) => {
    const r = await rawRequest(app.server.url, { method, path: p, headers: signedIn(headers), ...(body !== undefined ? { body } : {}) });
    expect({ what, status: r.status }).toEqual({ what, status });
    expect(JSON.parse(r.body).error).toMatch(says);
    expectNoInternals(r, what);
  });

  it('a body compressed as it says is read', async () => {
    const r = await fetch(`${app.server.url}/api/workshop/help`, {
      method: 'POST',
      headers: signedIn(json({ 'Content-Encoding': 'gzip' })),
      body: zlib.gzipSync(JSON.stringify({ help: 'yes' })),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error, 'the body reached the handler').toContain('"help"');
  });
});
