import express, { type Request, type Response, type NextFunction } from 'express';
import { HealthCache } from '../health/health-cache.ts';
import { healthReport } from '../health/health-report.ts';
import type { Engine } from '../docker/engine.ts';
import {
  MAX_FILE_BYTES,
  parseFileWrite,
  parseRunRequest,
  parseTerminalRequest,
  type HealthResponse,
  type Limits,
  type NodeHealth,
  type RegistryInfo,
} from '../protocol.ts';
import type { DiskReport } from '../health/disk-watch.ts';
import type { SiteRegistry } from '../registry/site-registry.ts';
import { WORKSPACE } from '../sandbox/sandbox-template.ts';
import { TERMINAL_COMMAND } from '../runs/session-shell.ts';
import type { Principal, RequestGuard } from '../security/request-guard.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { AddressSessionCap } from './address-session-cap.ts';
import { errorAnswer, HttpError } from './http-error.ts';

export interface ApiDeps {
  guard: RequestGuard;
  store: SessionStore;
  engine: Engine;
  sandboxImage: string;
  sandboxMode: 'isolated' | 'host';
  sandboxIsolation: 'rootless' | 'rootful' | 'none';
  runTimeoutMaxMs: number;
  limits: Limits;
  pool: () => { size: number; ready: number };
  /** On a cluster: its nodes for /api/health. */
  nodes?: (() => NodeHealth[]) | undefined;
  registry?: SiteRegistry | undefined;
  disk?: (() => DiskReport) | undefined;
  log: (line: string) => void;
  /** Password mode: sessions per client address, across that address's logins. */
  addressCap?: AddressSessionCap | undefined;
}

/** The caller, set by the guard below (Express keeps per-request data in res.locals). */
const who = (res: Response) => res.locals.principal as Principal;

const param = (req: Request, name: string) => String(req.params[name]);
/** The file-block route, whose body alone may be up to a file's size (escaped). */
const FILES_ROUTE = /^\/sessions\/[^/]+\/files\/?$/i;

/** The HTTP API under /api (see README "HTTP API"). */
export function apiRoutes(deps: ApiDeps): express.Router {
  const { guard, store } = deps;
  const api = express.Router();
  // The engine is asked at most once per health TTL, however many callers there are.
  const health = new HealthCache(() => healthReport(deps.engine, deps.sandboxImage, 0, deps.sandboxMode, deps.sandboxIsolation));

  // Read-only and public on purpose: `curl 127.0.0.1:4321/api/health` must work without a token.
  // Hosted, an anonymous caller learns only whether the service can run blocks: the engine's
  // address, version, errors, limits and counts are for signed-in people and the token holder.
  api.get('/health', async (req, res) => {
    const report = { ...(await health.get()), sessions: store.size };
    const caller = guard.hosted ? guard.identify(req) : { kind: 'token' as const };
    if (!caller || 'refused' in caller) {
      const ok = report.engine.reachable && report.sandboxImage.present;
      return void res.status(ok ? 200 : 503).json({ ok } satisfies HealthResponse);
    }
    // How readers sign in, so the page can offer a way out (password) or back in.
    const auth = guard.passwordLogin ? 'password' : guard.hosted ? 'proxy' : 'token';
    const body: HealthResponse = {
      ...report,
      auth,
      disk: deps.disk?.() ?? { known: false, reason: 'not watched' },
      limits: deps.limits,
      queue: store.queueLength,
      pool: deps.pool(),
      ...(deps.nodes ? { nodes: deps.nodes() } : {}),
    };
    res.json(body);
  });

  api.use((req, res, next) => {
    const result = guard.check(req, req.method !== 'GET' && req.method !== 'HEAD');
    if (!result.ok) return void res.status(result.status).json({ error: result.message });
    res.locals.principal = result.principal;
    next();
  });
  // Any JSON value is parsed (strict: false), so a body that is not an object is told what to send.
  // A file block's body may escape each of its 1 MiB as \u0000: its limit is six times that.
  const body = express.json({ limit: '1100kb', type: () => true, strict: false });
  const fileBody = express.json({ limit: 6 * MAX_FILE_BYTES + 4096, type: () => true, strict: false });
  api.use((req, res, next) => (req.method === 'PUT' && FILES_ROUTE.test(req.path) ? fileBody : body)(req, res, next));

  api.post('/sessions', (req, res) => {
    const principal = who(res);
    const existing = store.existingFor(principal);
    if (existing) return void res.status(200).json({ id: existing.id });
    const address = principal.kind === 'browser' && guard.passwordLogin ? guard.clientKey(req) : undefined;
    if (address) deps.addressCap?.check(address);
    const admitted = store.admit(principal);
    if ('position' in admitted) {
      return void res.status(202).json({
        queued: true,
        position: admitted.position,
        message: `All sessions are in use. You are number ${admitted.position} in the queue; ask again (every few seconds) to keep your place.`,
      });
    }
    if (address) deps.addressCap?.add(address, admitted);
    res.status(201).json({ id: admitted.id });
  });

  // A browser's session if it has one, or null (without making one): a reloaded page re-attaches through it.
  api.get('/sessions/current', (_req, res) => {
    const existing = store.existingFor(who(res));
    existing?.touch();
    res.json({ id: existing?.id ?? null });
  });

  api.delete('/sessions/:id', async (req, res) => {
    await store.delete(param(req, 'id'), who(res));
    res.status(204).end();
  });

  api.post('/sessions/:id/runs', (req, res) => {
    const session = store.get(param(req, 'id'), who(res));
    const parsed = parseRunRequest(req.body, deps.runTimeoutMaxMs);
    if (!parsed.ok) throw new HttpError(parsed.status, parsed.error);
    const size = parsed.cols && parsed.rows ? { cols: parsed.cols, rows: parsed.rows } : undefined;
    const run = store.startRun(session, {
      command: parsed.command,
      size,
      block: parsed.block,
      timeoutMs: parsed.timeoutMs,
      requestId: parsed.requestId,
    });
    res.status(201).json({ id: run.id });
  });

  // A file block: written into the workspace (the sandbox is made first if need be).
  api.put('/sessions/:id/files', async (req, res) => {
    const session = store.get(param(req, 'id'), who(res));
    const parsed = parseFileWrite(req.body);
    if (!parsed.ok) throw new HttpError(parsed.status, parsed.error);
    const sandbox = await session.sandbox(() => undefined);
    await sandbox.writeFile(parsed.path, parsed.content);
    res.json({ path: `${WORKSPACE}/${parsed.path}`, bytes: Buffer.byteLength(parsed.content) });
  });

  api.get('/sessions/:id/runs', (req, res) => {
    res.json(store.runsOf(store.get(param(req, 'id'), who(res))));
  });

  // The free terminal: an interactive shell that shares the session's state and engine.
  api.post('/sessions/:id/terminal', (req, res) => {
    const session = store.get(param(req, 'id'), who(res));
    // The same checks as a run's: request numbers reach the exec's size only when valid.
    const parsed = parseTerminalRequest(req.body);
    if (!parsed.ok) throw new HttpError(parsed.status, parsed.error);
    const { size, requestId } = parsed;
    const run = store.startRun(session, { command: TERMINAL_COMMAND, size, kind: 'terminal', block: 'terminal', requestId });
    res.status(201).json({ id: run.id });
  });

  // Which registry `$REGISTRY` names, and the account of the site's own registry (the image page shows it).
  api.get('/registry', (_req, res) => {
    const r = deps.registry;
    // The account only ever goes to a local single user: in hosted mode the site registry is one the host named.
    const body: RegistryInfo = r
      ? { registry: r.name, local: r.local, ...(r.local && !guard.hosted ? { user: r.user, password: r.password } : {}) }
      : { registry: 'docker.io', local: false };
    res.json(body);
  });

  api.get('/runs/:id', (req, res) => {
    res.json(store.run(param(req, 'id'), who(res)).info());
  });

  api.post('/runs/:id/stop', async (req, res) => {
    const run = store.run(param(req, 'id'), who(res));
    res.json(await run.stop());
  });

  api.use((_req, res) => {
    res.status(404).json({ error: 'No such API endpoint. The README lists the API.' });
  });

  api.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = errorAnswer(err, deps.log, 'API error');
    res.status(status).json(body);
  });
  return api;
}
