import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import type { Principal, RequestGuard } from '../security/request-guard.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import { HttpError } from './http-error.ts';

const PATH = /^\/ports\/([A-Za-z0-9-]{1,64})\/(\d{1,5})(\/.*)?$/;

/** The URL prefix under which a session's published port is served. */
export const portPath = (sessionId: string, port: number) => `/ports/${sessionId}/${port}/`;

/** Headers that carry the visitor's credentials: never passed on to a container. */
const PRIVATE_HEADERS = new Set(['cookie', 'authorization', 'host', 'origin', 'referer']);

/**
 * What a container's page may not do from our origin: set our cookies, register a service worker
 * over the site, or run scripts with the site's origin. The CSP sandbox (without allow-same-origin)
 * gives the page an opaque origin, so its requests to the API carry no cookies and a foreign Origin.
 */
const DROPPED_RESPONSE_HEADERS = new Set(['set-cookie', 'service-worker-allowed', 'content-security-policy', 'access-control-allow-origin', 'access-control-allow-credentials']);
const SANDBOX_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads';

function safeResponseHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!DROPPED_RESPONSE_HEADERS.has(k) && v !== undefined) out[k] = v;
  out['content-security-policy'] = SANDBOX_CSP;
  return out;
}

function forwardHeaders(req: http.IncomingMessage, target: string): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { host: target };
  for (const [k, v] of Object.entries(req.headers)) if (!PRIVATE_HEADERS.has(k) && v !== undefined) out[k] = v;
  return out;
}

/**
 * Serves a port that a container in a session publishes (`docker run -p 4000:80`), under
 * /ports/<session>/<port>/, by proxying HTTP and WebSocket traffic to the sandbox's address on its
 * session network. No host port is opened; the same Host, Origin and token checks apply, and the
 * visitor's cookie and token never reach the container.
 */
export class PortProxy {
  readonly #guard: RequestGuard;
  readonly #store: SessionStore;
  readonly #pipes = new Set<Duplex>();

  constructor(guard: RequestGuard, store: SessionStore) {
    this.#guard = guard;
    this.#store = store;
  }

  matches(pathname: string): boolean {
    return PATH.test(pathname);
  }

  #target(url: string, principal: Principal): { host: string; port: number; path: string } {
    const parsed = new URL(url, 'http://localhost');
    const m = PATH.exec(parsed.pathname)!;
    const session = this.#store.get(m[1]!, principal);
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new HttpError(404, 'No such port.');
    const address = session.currentSandbox?.address;
    if (!address) throw new HttpError(404, 'This session has no sandbox running: run a block first.');
    return { host: address, port, path: `${m[3] ?? '/'}${parsed.search}` };
  }

  /** Express middleware for HTTP requests under /ports/. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const m = PATH.exec(req.path);
      if (!m) return next();
      if (!m[3]) {
        // /ports/<s>/<p> without the trailing slash: relative links in the served page need it.
        const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
        return res.redirect(308, `${req.path}/${query}`);
      }
      const checked = this.#guard.check(req, req.method !== 'GET' && req.method !== 'HEAD');
      if (!checked.ok) return void res.status(checked.status).json({ error: checked.message });
      let target: { host: string; port: number; path: string };
      try {
        target = this.#target(req.originalUrl, checked.principal);
      } catch (err) {
        return void res.status((err as HttpError).status ?? 404).json({ error: (err as Error).message });
      }
      const upstream = http.request(
        { host: target.host, port: target.port, method: req.method, path: target.path, headers: forwardHeaders(req, `${target.host}:${target.port}`) },
        (up) => {
          res.writeHead(up.statusCode ?? 502, safeResponseHeaders(up.headers));
          up.pipe(res);
        },
      );
      upstream.setTimeout(30_000, () => upstream.destroy(new Error('no answer within 30 s')));
      // The visitor left (or a stream ended on their side): let go of the container's side too.
      res.on('close', () => upstream.destroy());
      upstream.on('error', (err) => {
        if (res.headersSent) return res.destroy();
        res.status(502).json({ error: `Nothing answers on port ${target.port} in your sandbox (${err.message}). Is the container running and publishing it?` });
      });
      req.pipe(upstream);
    };
  }

  /** WebSocket (or any) upgrade under /ports/: a raw TCP pipe after the request head. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, principal: Principal): void {
    const target = this.#target(req.url ?? '/', principal);
    const upstream = net.connect(target.port, target.host, () => {
      const headers = forwardHeaders(req, `${target.host}:${target.port}`);
      const lines = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}: ${x}`) : [`${k}: ${v}`]));
      upstream.write(`${req.method} ${target.path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.setTimeout(30_000, () => upstream.destroy());
    upstream.once('connect', () => upstream.setTimeout(0));
    this.#pipes.add(socket);
    socket.once('close', () => this.#pipes.delete(socket));
    upstream.on('error', () => socket.destroy());
    upstream.on('close', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  }

  /** Ends every proxied WebSocket (server shutdown). */
  close(): void {
    for (const s of this.#pipes) s.destroy();
  }
}
