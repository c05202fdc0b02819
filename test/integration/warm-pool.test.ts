import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../server/docker/engine.ts';
import { LABELS } from '../../server/docker/labels.ts';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import type { StartedServer } from '../support/server.ts';

let engine: Engine;
let server: StartedServer;
let api: ApiClient;
let instance: string;

const pool = async () => (await api.request('GET', '/api/health')).body.pool as { size: number; ready: number };
async function untilReady(n: number): Promise<void> {
  for (let i = 0; i < 1800 && (await pool()).ready < n; i++) await new Promise((r) => setTimeout(r, 100));
  expect((await pool()).ready).toBe(n);
}

beforeAll(async () => {
  ({ engine } = await requireEngine());
  ({ server, api, instance } = await startAppServer({ WARM_POOL: '2' }));
});

afterAll(async () => {
  await server?.stop();
  if (engine && instance) await engine.removeLabelled({ [LABELS.instance]: instance });
});

describe('the warm pool', () => {
  it('keeps sandboxes ready, so a first Run skips making one', async () => {
    await untilReady(2);
    const session = await api.createSession();
    const r = await api.run(session, 'docker version --format "{{.Server.Version}}"');
    expect(r.exitCode, r.text).toBe(0);
    const phases = r.messages.filter((m) => m.type === 'phase').map((m) => (m as { phase: string }).phase);
    expect(phases).not.toContain('creating-sandbox');
    expect(phases).not.toContain('starting-engine');
  });

  it('never hands one sandbox to two sessions, and refills itself', async () => {
    const ids = await Promise.all([api.createSession(), api.createSession(), api.createSession()]);
    await Promise.all(ids.map((s) => api.run(s, 'true')));
    const containers = await Promise.all(ids.map(async (s) => (await engine.listLabelled({ [LABELS.session]: s })).containers));
    for (const c of containers) expect(c).toHaveLength(1);
    expect(new Set(containers.flat()).size).toBe(3);
    await untilReady(2);
  });

  it('removes its spare sandboxes when the server stops', async () => {
    await server.stop();
    expect((await engine.listLabelled({ [LABELS.instance]: instance })).containers).toEqual([]);
  });
});
