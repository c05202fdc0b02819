import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Config } from './config.ts';
import type { Engine } from './docker/engine.ts';
import { isolationOf, limitsOf } from './health/health-report.ts';
import { AddressSessionCap } from './http/address-session-cap.ts';
import { apiRoutes } from './http/api-routes.ts';
import { appErrorHandler } from './http/app-error-handler.ts';
import { loginRoutes } from './http/login-routes.ts';
import { pageAuth } from './http/page-auth.ts';
import { LoginLimiter } from './security/login-limiter.ts';
import type { DiskReport } from './health/disk-watch.ts';
import type { NodeHealth } from './protocol.ts';
import type { SiteRegistry } from './registry/site-registry.ts';
import type { RequestGuard } from './security/request-guard.ts';
import type { WarmPool } from './sandbox/warm-pool.ts';
import type { SessionStore } from './sessions/session-store.ts';
import { PortProxy } from './http/port-proxy.ts';
import { attachUpgrades } from './http/upgrade-router.ts';
import { workshopPageGate } from './http/workshop-page-gate.ts';
import { shoulderView } from './workshop/shoulder-view.ts';
import type { Workshop } from './workshop/workshop.ts';
import { workshopRoutes } from './http/workshop-routes.ts';

/** How often expired logins are looked for (their sessions are then closed). */
const LOGIN_SWEEP_MS = 60_000;

export interface AppDeps {
  engine: Engine;
  guard: RequestGuard;
  store: SessionStore;
  log: (line: string) => void;
  pool?: WarmPool | undefined;
  /** On a cluster: its nodes for /api/health. */
  nodes?: (() => NodeHealth[]) | undefined;
  /** The registry the pages use; its account is shown to signed-in readers when it is the site's own. */
  registry?: SiteRegistry | undefined;
  /** Free space where the engine keeps its data, for /api/health. */
  disk?: (() => DiskReport) | undefined;
  /** Workshop mode: progress, roles, the room (server/workshop/). */
  workshop?: Workshop | undefined;
}

/** A started server: its URL and how to stop it. */
export interface RunningApp {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

/** Builds the Express app, its HTTP server and WebSocket endpoint (not yet listening). */
export function createApp(config: Config, deps: AppDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  // The Host check comes before anything else, pages included (DNS rebinding).
  app.use((req, res, next) => {
    const refused = deps.guard.checkHost(req);
    if (refused && !refused.ok) return void res.status(refused.status).type('text/plain').send(refused.message);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  if (deps.workshop) app.use('/api', workshopRoutes({ guard: deps.guard, store: deps.store, workshop: deps.workshop, log: deps.log }));
  app.use(
    '/api',
    apiRoutes({
      guard: deps.guard,
      store: deps.store,
      engine: deps.engine,
      sandboxImage: config.sandboxImage,
      sandboxMode: config.sandboxMode,
      sandboxIsolation: isolationOf(config),
      runTimeoutMaxMs: config.runTimeoutMaxMs,
      limits: limitsOf(config),
      registry: deps.registry,
      disk: deps.disk,
      pool: () => ({ size: deps.pool?.size ?? 0, ready: deps.pool?.ready ?? 0 }),
      nodes: deps.nodes,
      log: deps.log,
      addressCap: config.passwordHash ? new AddressSessionCap(config.maxSessionsPerAddress) : undefined,
    }),
  );
  const ports = new PortProxy(deps.guard, deps.store, deps.log);
  app.use(ports.middleware());
  if (deps.workshop) app.use(workshopPageGate(deps.guard, deps.workshop));
  // A login that ends (logout, or its 12 h are up) takes its sessions and their sandboxes with it.
  const endLogin = (id: string) => {
    void deps.store.closeOwnedBy({ kind: 'browser', id }).then(
      (n) => n > 0 && deps.log(`Closed ${n} session(s) of an ended login.`),
      (err: unknown) => deps.log(`Closing the sessions of an ended login failed: ${(err as Error).message}`),
    );
  };
  let loginSweep: NodeJS.Timeout | undefined;
  if (config.passwordHash) {
    const workshop = deps.workshop;
    const claimName = workshop ? (name: string, role: 'attendee' | 'instructor') => workshop.db.claimUser(name, role) : undefined;
    app.use(loginRoutes(deps.guard, config.passwordHash, new LoginLimiter(), endLogin, config.instructorPasswordHash, claimName));
    loginSweep = setInterval(() => deps.guard.endExpiredLogins().forEach(endLogin), LOGIN_SWEEP_MS);
    loginSweep.unref();
  }
  app.use(pageAuth(deps.guard));
  if (deps.guard.hosted) {
    // Hosted: pages too are for signed-in people only (the team wiki, the class).
    app.use((req, res, next) => {
      const who = deps.guard.identify(req);
      if (who && !('refused' in who)) return next();
      if (config.passwordHash) return res.redirect(303, '/login');
      res.status(401).type('text/plain').send("Sign in through the site's login (the reverse proxy did not name a user).");
    });
  }
  app.use(express.static(config.siteDir, { extensions: ['html'] }));
  app.use(appErrorHandler(deps.log));

  const server = http.createServer(app);
  const workshop = deps.workshop;
  const streams = attachUpgrades(server, {
    guard: deps.guard,
    store: deps.store,
    ports,
    shoulder: workshop && ((id, p) => shoulderView(deps.store, workshop, id, p)),
    log: deps.log,
  });

  /** Listens on config.host:config.port (0 picks a free port) and resolves with the URL. */
  async function listen(): Promise<RunningApp> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      server,
      url: `http://${host}:${port}`,
      close: async () => {
        clearInterval(loginSweep);
        deps.workshop?.close();
        // The runs end first, each with the shutdown's reason, while their watchers still listen
        // (their streams then close themselves); the sockets left (feeds, port links) go after.
        await deps.store.closeAll();
        streams.close();
        await new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
      },
    };
  }

  return { app, server, listen };
}
