import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../server/protocol.ts';
import { requireEngine } from '../support/engine.ts';
import { startServer, type StartedServer } from '../support/server.ts';
import { EngineSocketProxy } from '../support/socket-proxy.ts';

let server: StartedServer;
const proxy = new EngineSocketProxy();
let version: string;

async function health(): Promise<HealthReport> {
  const res = await fetch(`${server.url}/api/health`);
  expect(res.status).toBe(200);
  return (await res.json()) as HealthReport;
}

beforeAll(async () => {
  const { engine } = await requireEngine();
  version = (await engine.version()).version;
  await proxy.up();
  server = await startServer({ DOCKER_HOST: `unix://${proxy.socketPath}` });
});

afterAll(async () => {
  await server?.stop();
  await proxy.down();
});

describe('GET /api/health follows the engine', () => {
  it("reports the engine's version while it answers", async () => {
    const h = await health();
    expect(h.engine).toMatchObject({ reachable: true, version, host: `unix://${proxy.socketPath}` });
    expect(h.sandboxImage.name).toBe('runnable-docker-notes/sandbox:latest');
  });

  it('reports why when the engine goes away, and the server keeps running', async () => {
    await proxy.down();
    // The report is cached for a moment (one engine look per 2 s, whoever asks): wait for the next look.
    await expect.poll(async () => (await health()).engine.reachable).toBe(false);
    const h = await health();
    expect(h.engine.error).toMatch(/Docker engine not reachable at unix:\/\/.*docker\.sock: connect ENOENT.*Start Docker/);
    expect(server.process.exitCode).toBeNull();
  });

  it('recovers when the engine comes back', async () => {
    await proxy.up();
    await expect.poll(async () => (await health()).engine.reachable).toBe(true);
    expect((await health()).engine).toMatchObject({ reachable: true, version });
  });
});
