import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Config } from './config.ts';
import type { Engine } from './docker/engine.ts';
import { healthReport } from './health/health-report.ts';

export interface AppDeps {
  engine: Engine;
}

/** A started server: its URL and how to stop it. */
export interface RunningApp {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

/** Builds the Express app and its HTTP server (not yet listening). */
export function createApp(config: Config, deps: AppDeps) {
  const app = express();
  app.disable('x-powered-by');

  app.get('/api/health', async (_req, res) => {
    res.json(await healthReport(deps.engine, config.sandboxImage, 0));
  });
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'No such API endpoint. See the README for the API.' });
  });
  app.use(express.static(config.siteDir, { extensions: ['html'] }));

  const server = http.createServer(app);

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
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  return { app, server, listen };
}
