import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import type { Principal, RequestGuard } from '../security/request-guard.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import { LimitReachedError, NotFoundError } from '../domain-errors.ts';
import { OpenCounts } from '../open-counts.ts';
import { errorAnswer } from './http-error.ts';
import { refuseUpgrade } from './refuse-upgrade.ts';
import { requestUrl } from './resolved-path.ts';
import { plainResponseHead, portRequestHeaders, portResponseHeaders, upgradeResponseHead } from './proxy-headers.ts';

const PATH = /^\/ports\/([A-Za-z0-9-]{1,64})\/(\d{1,5})(\/.*)?$/;

/** The URL prefix under which a session's published port is served. */
export const portPath = (sessionId: string, port: number) => `/ports/${sessionId}/${port}/`;

/** How long a container may take to send its answer's head. */
const ANSWER_TIMEOUT_MS = 30_000;

/** A response head larger than this is refused (Node's own default, stated here on purpose). */
const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Port-link connections (requests and upgrades) one session may have open at once: a page uses a
 * few, a container that holds its answers open must not make the server (or, on a cluster, the
 * node's engine: one exec each) hold thousands.
 */
export const MAX_PORT_LINKS_PER_SESSION = 64;

interface Target {
  session: string;
  host: string;
  port: number;
  path: string;
  prefix: string;
  /** For a sandbox on another host: a connection through its node's Engine API instead of a dial. */
  open?: ((port: number) => Promise<Duplex>) | undefined;
}

/**
 * The fixed text a visitor gets when a container's answer cannot be passed on. It never carries
 * the error itself: that would show internal addresses and parser details to the page.
 */
export function badGatewayMessage(err: unknown, port: number): string {
  const code = (err as { code?: string })?.code;
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return `Nothing answers on port ${port} in your sandbox. Is the container running and publishing it (docker run -p ${port}:...)?`;
  }
  if (code === 'ETIMEDOUT_ANSWER') return `The program on port ${port} in your sandbox did not answer within ${ANSWER_TIMEOUT_MS / 1000} s.`;
  return `The program on port ${port} in your sandbox sent an answer that is not valid HTTP, so it was not passed on. Check what listens on that port.`;
}

/** Node's createConnection in its callback form: the relay is ready only once its exec has started. */
function relayConnection(open: (port: number) => Promise<Duplex>, port: number) {
  return (_opts: unknown, ready: (err: Error | null, socket: Duplex) => void) => {
    open(port).then(
      (socket) => ready(null, socket),
      // Node's own callback takes no socket with an error; its type says otherwise.
      (err: Error) => ready(err, undefined as unknown as Duplex),
    );
    return undefined;
  };
}

const answerTimeout = () => Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT_ANSWER' });

/** Statuses a final answer may carry; anything else (0, 42, 1xx as final, 600+) is not HTTP we pass on. */
const validStatus = (s: number | undefined): s is number => s !== undefined && s >= 200 && s <= 599;

/**
 * Serves a port that a container in a session publishes (`docker run -p 4000:80`), under
 * /ports/<session>/<port>/, by proxying HTTP and WebSocket traffic to the sandbox's address on its
 * session network. No host port is opened; the same Host, Origin and token checks apply, and only
 * allow-listed request headers reach the container (proxy-headers.ts): never the visitor's cookie,
 * token or a signing-in proxy's identity headers.
 *
 * Everything that comes back is hostile: a malformed answer fails only that request (502 with a
 * fixed message), and only allow-listed headers reach the browser (proxy-headers.ts).
 */
export class PortProxy {
  readonly #guard: RequestGuard;
  readonly #store: SessionStore;
  /** Where the server's own faults are told (a 500 says "the server log has the details"). */
  readonly #log: (line: string) => void;
  readonly #pipes = new Set<Duplex>();
  /** Open port-link connections per session. */
  readonly #open = new OpenCounts();

  constructor(guard: RequestGuard, store: SessionStore, log: (line: string) => void) {
    this.#guard = guard;
    this.#store = store;
    this.#log = log;
  }

  matches(pathname: string): boolean {
    return PATH.test(pathname);
  }

  #target(url: string, principal: Principal): Target {
    const parsed = requestUrl(url);
    const m = parsed && PATH.exec(parsed.pathname);
    if (!parsed || !m) throw new NotFoundError('No such port link: they are /ports/<session>/<port>/.');
    const session = this.#store.get(m[1]!, principal);
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new NotFoundError('No such port.');
    const sandbox = session.currentSandbox;
    const address = sandbox?.address;
    if (!address) throw new NotFoundError('This session has no sandbox running: run a block first.');
    return {
      session: session.id,
      host: address,
      port,
      path: `${m[3] ?? '/'}${parsed.search}`,
      prefix: portPath(session.id, port),
      open: sandbox.openPort,
    };
  }

  /** Takes one of the session's port-link places (LimitReachedError, a 429, past the cap); returns how to give it back, once. */
  #take(session: string): () => void {
    const open = this.#open.of(session);
    if (open >= MAX_PORT_LINKS_PER_SESSION) {
      throw new LimitReachedError(`This session has ${open} port-link connections open, the most it may have. Close some (tabs, streams) first.`);
    }
    return this.#open.add(session);
  }

  #request(req: http.IncomingMessage, target: Target, upgrade: boolean): http.ClientRequest {
    // No keep-alive pool: a hostile server could answer ahead, and that answer must never be
    // taken for the next visitor request's.
    const upstream = http.request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: target.path,
      headers: portRequestHeaders(req.headers, upgrade, target),
      maxHeaderSize: MAX_HEAD_BYTES,
      // With no agent at all, Node uses createConnection (with `agent: false` it would make an
      // agent of its own and dial the address); either way no connection is kept for another request.
      ...(target.open ? { createConnection: relayConnection(target.open, target.port) } : { agent: false }),
    });
    upstream.setTimeout(ANSWER_TIMEOUT_MS, () => upstream.destroy(answerTimeout()));
    return upstream;
  }

  /** Express middleware for HTTP requests under /ports/. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      // The path as the target is chosen by: dot segments (`..`, `%2e%2e`) resolved, as a browser does.
      const pathname = requestUrl(req.originalUrl)?.pathname;
      const m = pathname === undefined ? null : PATH.exec(pathname);
      if (!m) return next();
      if (!m[3]) {
        // /ports/<s>/<p> without the trailing slash: relative links in the served page need it.
        const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
        return res.redirect(308, `${pathname}/${query}`);
      }
      const checked = this.#guard.check(req, req.method !== 'GET' && req.method !== 'HEAD');
      if (!checked.ok) return void res.status(checked.status).json({ error: checked.message });
      let target: Target;
      let giveBack: () => void;
      try {
        target = this.#target(req.originalUrl, checked.principal);
        giveBack = this.#take(target.session);
      } catch (err) {
        const { status, body } = errorAnswer(err, this.#log, `Port link error for ${req.method} ${req.path}`);
        return void res.status(status).json(body);
      }
      res.once('close', giveBack);
      const upstream = this.#request(req, target, false);
      let done = false;
      const fail = (err: unknown) => {
        if (done) return;
        done = true;
        upstream.destroy();
        // Once the head went out, the only honest way to say "broken" is to cut the connection.
        if (res.headersSent) return void res.destroy();
        res.status(502).json({ error: badGatewayMessage(err, target.port) });
      };
      upstream.on('error', fail);
      // A 101 to a plain request is not an answer we can pass on.
      upstream.on('upgrade', (_res, upSocket) => {
        upSocket.destroy();
        fail(new Error('unexpected upgrade'));
      });
      upstream.on('response', (up) => {
        // The timeout is for the head only: a page that streams (server-sent events, long polls)
        // may be silent for minutes between two body bytes.
        upstream.setTimeout(0);
        up.on('error', fail);
        up.on('aborted', () => fail(new Error('aborted')));
        // A body cut short ends without 'end': that is a broken answer too.
        up.on('close', () => {
          if (!up.complete) fail(new Error('incomplete'));
        });
        if (!validStatus(up.statusCode)) return fail(new Error('bad status'));
        let headers: http.OutgoingHttpHeaders;
        try {
          headers = portResponseHeaders(up.headers, target.path, target.prefix, target);
        } catch (err) {
          return fail(err);
        }
        // The head goes out with the first body byte (or the end): a body that is broken from
        // its start (bad chunked encoding, nothing at all) still becomes a clean 502.
        const begin = () => {
          if (res.headersSent) return true;
          try {
            res.writeHead(up.statusCode!, headers);
            return true;
          } catch (err) {
            fail(err);
            return false;
          }
        };
        up.on('data', (chunk: Buffer) => {
          if (done || !begin()) return;
          if (!res.write(chunk)) {
            up.pause();
            res.once('drain', () => up.resume());
          }
        });
        up.on('end', () => {
          if (done || !begin()) return;
          done = true;
          res.end();
        });
      });
      // The visitor left (or a stream ended on their side): let go of the container's side too.
      res.on('close', () => {
        done = true;
        upstream.destroy();
      });
      req.on('error', () => upstream.destroy());
      req.pipe(upstream);
    };
  }

  /**
   * WebSocket (or any) upgrade under /ports/: the handshake goes through Node's HTTP parser (so a
   * malformed answer is refused, and only the handshake's own headers reach the browser), then
   * the two sockets are piped.
   */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, principal: Principal): void {
    const target = this.#target(req.url ?? '/', principal);
    socket.once('close', this.#take(target.session));
    const upstream = this.#request(req, target, true);
    this.#pipes.add(socket);
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return socket.destroy();
      settled = true;
      upstream.destroy();
      refuseUpgrade(socket, 502, badGatewayMessage(err, target.port));
    };
    upstream.on('error', fail);
    upstream.on('upgrade', (res, upSocket, upHead) => {
      settled = true;
      upSocket.setTimeout(0);
      upSocket.on('error', () => socket.destroy());
      upSocket.on('close', () => socket.destroy());
      socket.on('close', () => upSocket.destroy());
      socket.write(upgradeResponseHead(res));
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
    });
    upstream.on('response', (up) => {
      // The container answered without upgrading: pass that answer on, cleaned, and close.
      upstream.setTimeout(0);
      up.on('error', () => socket.destroy());
      up.on('aborted', () => socket.destroy());
      if (!validStatus(up.statusCode)) return fail(new Error('bad status'));
      settled = true;
      socket.write(plainResponseHead(up.statusCode, portResponseHeaders(up.headers, target.path, target.prefix, target)));
      up.pipe(socket);
    });
    socket.once('close', () => {
      this.#pipes.delete(socket);
      upstream.destroy();
    });
    socket.on('error', () => upstream.destroy());
    upstream.end();
  }

  /** Ends every proxied WebSocket (server shutdown). */
  close(): void {
    for (const s of this.#pipes) s.destroy();
  }
}
