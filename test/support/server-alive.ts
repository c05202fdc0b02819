import { expect } from 'vitest';
import { rawRequest } from './raw-http.ts';
import type { StartedServer } from './server.ts';

/** The server process is the same one and still answers /api/health (after something hostile). */
export async function expectServerAlive(server: StartedServer, pid: number): Promise<void> {
  expect(server.process.pid, 'the server process was replaced').toBe(pid);
  expect(server.process.exitCode, `the server process exited; its output:\n${server.output().slice(-2000)}`).toBeNull();
  expect(server.process.signalCode, 'the server process was killed by a signal').toBeNull();
  // Signal 0 checks that the pid is alive without touching it.
  expect(() => process.kill(pid, 0), `process ${pid} is gone`).not.toThrow();
  const health = await rawRequest(server.url, { path: '/api/health' });
  expect(health.status, `GET /api/health answered ${health.status}: ${health.body}`).toBe(200);
}
