import { afterAll, describe, expect, it } from 'vitest';
import { CLOSE } from '../../server/protocol.ts';
import { LABELS } from '../../server/docker/labels.ts';
import { startAppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { EngineSocketProxy } from '../support/socket-proxy.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('faults a reader can meet, each with a clear message', () => {
  it('a missing sandbox image, with no registry to pull it from, names the image and the script', async () => {
    const { engine } = await requireEngine();
    const { server, api, instance } = await startAppServer({ SANDBOX_IMAGE: 'runnable-docker-notes/no-such-sandbox:never' });
    cleanups.push(
      () => server.stop(),
      async () => void (await engine.removeLabelled({ [LABELS.instance]: instance })),
    );
    const session = await api.createSession();
    const r = await api.run(session, 'echo never');
    const error = r.messages.find((m) => m.type === 'error') as { message: string } | undefined;
    expect(error?.message).toMatch(/sandbox image runnable-docker-notes\/no-such-sandbox:never .*scripts\/build-images\.sh/);
    expect(r.closeCode).toBe(CLOSE.runFailed);
    expect(await api.info(r.id)).toMatchObject({ status: 'failed' });
  });

  it('an unreachable engine fails the run with the reason; the server keeps running and recovers', async () => {
    const { engine } = await requireEngine();
    const proxy = new EngineSocketProxy();
    const { server, api, instance } = await startAppServer({ DOCKER_HOST: `unix://${proxy.socketPath}` });
    cleanups.push(
      () => proxy.down(),
      () => server.stop(),
      async () => void (await engine.removeLabelled({ [LABELS.instance]: instance })),
    );
    const session = await api.createSession();
    const down = await api.run(session, 'echo unreachable');
    const error = down.messages.find((m) => m.type === 'error') as { message: string } | undefined;
    expect(error?.message).toMatch(/Docker engine not reachable at unix:\/\/.*Start Docker/);
    expect(server.process.exitCode).toBeNull();
    await proxy.up();
    const up = await api.run(session, 'echo "back again"');
    expect(up.text).toContain('back again');
    expect(up.exitCode).toBe(0);
  });
});
