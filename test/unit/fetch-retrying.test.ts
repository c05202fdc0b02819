import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchRetrying } from '../../src/client/fetch-retrying.ts';

/** A loopback server that drops the first `drops` requests' connections without an answer, then answers. */
async function dropping(drops: number, status = 200) {
  let seen = 0;
  const server = http.createServer((req, res) => {
    seen++;
    if (seen <= drops) {
      req.socket.destroy();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ method: req.method, seen }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/x`;
  return { server, url, seen: () => seen };
}

let open: http.Server[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => new Promise((r) => s.close(r))));
  open = [];
});

describe('fetchRetrying: a request dropped at the network level is sent again', () => {
  it.each([1, 2])('a POST whose connection is dropped %i time(s) gets the answer of the next try', async (drops) => {
    const s = await dropping(drops);
    open.push(s.server);
    const res = await fetchRetrying(s.url, { method: 'POST', body: '{}' });
    expect(await res.json()).toEqual({ method: 'POST', seen: drops + 1 });
  });

  it('after three dropped tries the network error reaches the caller', async () => {
    const s = await dropping(99);
    open.push(s.server);
    await expect(fetchRetrying(s.url)).rejects.toThrow(TypeError);
    expect(s.seen()).toBe(3);
  });

  it('a refused connection (nothing listens) is tried three times, then thrown', async () => {
    const s = await dropping(0);
    const { url } = s;
    await new Promise((r) => s.server.close(r));
    await expect(fetchRetrying(url)).rejects.toThrow(TypeError);
  });

  it.each([404, 500, 503])('an HTTP answer (%i) is returned as it is, never sent again', async (status) => {
    const s = await dropping(0, status);
    open.push(s.server);
    const res = await fetchRetrying(s.url, { method: 'POST' });
    expect(res.status).toBe(status);
    expect(s.seen()).toBe(1);
  });

  it('a request the caller aborted is not sent again', async () => {
    const s = await dropping(99);
    open.push(s.server);
    const ac = new AbortController();
    const p = fetchRetrying(s.url, { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toThrow();
    expect(s.seen()).toBeLessThanOrEqual(1);
  });

  it('a dropped request is not sent again once the page learnt another try is pointless (signed out)', async () => {
    const s = await dropping(99);
    open.push(s.server);
    let signedOut = false;
    const p = fetchRetrying(s.url, {}, { keepTrying: () => !signedOut });
    signedOut = true;
    await expect(p).rejects.toThrow(TypeError);
    expect(s.seen(), 'requests that reached the server').toBe(1);
  });
});
