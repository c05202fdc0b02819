import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { Engine } from '../../server/docker/engine.ts';
import { LABELS } from '../../server/docker/labels.ts';
import { ApiClient } from './api-client.ts';
import { startServer, type StartedServer } from './server.ts';

/** A started test server, its API client, and how to stop it and sweep what it made. */
export interface AppServer {
  server: StartedServer;
  api: ApiClient;
  token: string;
  instance: string;
  /** Stops the server, then removes every object labelled with its instance (even after a crash). */
  close(): Promise<void>;
}

/** A real server with a known token and its own instance name, plus an API client for it. */
export async function startAppServer(env: Record<string, string> = {}): Promise<AppServer> {
  const token = crypto.randomBytes(24).toString('base64url');
  const instance = `test-${crypto.randomBytes(6).toString('hex')}`;
  // No warm pool unless a test asks for one: most tests make a few sessions, and spare sandboxes cost.
  // Each test server has its own workshop database unless the test names one (to restart on it).
  const dbDir = env.WORKSHOP_DB ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-db-'));
  const workshopDb: Record<string, string> = dbDir ? { WORKSHOP_DB: path.join(dbDir, 'workshop.sqlite') } : {};
  const server = await startServer({ TOKEN: token, INSTANCE: instance, WARM_POOL: '0', ...workshopDb, ...env });
  const close = async () => {
    await server.stop();
    if (dbDir) fs.rmSync(dbDir, { recursive: true, force: true });
    await new Engine(loadConfig(process.env).docker).removeLabelled({ [LABELS.instance]: instance });
  };
  return { server, api: new ApiClient(server.url, token), token, instance, close };
}
