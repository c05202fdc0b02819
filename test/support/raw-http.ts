import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A request with exactly the headers given (Host included: fetch would fix it). With
 * `upgrade: true` it asks for a WebSocket and reports 101 when the server agreed.
 */
export function rawRequest(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string; upgrade?: boolean; localAddress?: string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.upgrade) {
    Object.assign(headers, {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
  }
  return new Promise((resolve, reject) => {
    delete headers['X-Local-Address'];
    const req = http.request({
      hostname,
      port,
      method: opts.method ?? 'GET',
      path: opts.path,
      headers,
      setHost: !('Host' in headers),
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
