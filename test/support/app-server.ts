import crypto from 'node:crypto';
import { ApiClient } from './api-client.ts';
import { startServer, type StartedServer } from './server.ts';

/** A real server with a known token and its own instance name, plus an API client for it. */
export async function startAppServer(env: Record<string, string> = {}): Promise<{ server: StartedServer; api: ApiClient; token: string; instance: string }> {
  const token = crypto.randomBytes(24).toString('base64url');
  const instance = `test-${crypto.randomBytes(6).toString('hex')}`;
  // No warm pool unless a test asks for one: most tests make a few sessions, and spare sandboxes cost.
  const server = await startServer({ TOKEN: token, INSTANCE: instance, WARM_POOL: '0', ...env });
  return { server, api: new ApiClient(server.url, token), token, instance };
}
