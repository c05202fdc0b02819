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

  it("a run whose shell the engine cannot start fails with the engine's reason and a way out, not an exit code; the next Run works", async () => {
    const { engine } = await requireEngine();
    const proxy = new EngineSocketProxy();
    await proxy.up();
    const { server, api, instance } = await startAppServer({ DOCKER_HOST: `unix://${proxy.socketPath}`, WARM_POOL: '0' });
    cleanups.push(
      () => proxy.down(),
      () => server.stop(),
      async () => void (await engine.removeLabelled({ [LABELS.instance]: instance })),
    );
    const session = await api.createSession();
    expect((await api.run(session, 'echo first')).text).toContain('first');
    // The next run's exec names a shell the sandbox does not have: the engine takes the exec, then
    // cannot start its process (as when its container is being stopped), and says why in its output.
    let faulted = 0;
    proxy.rewrite = (chunk) => {
      const text = chunk.toString('latin1');
      if (!text.includes('RDN_RUN_ID=') || !text.includes('"/bin/bash","-c"')) return chunk;
      faulted++;
      return Buffer.from(text.replace('"/bin/bash","-c"', '"/bin/nosh","-c"'), 'latin1');
    };
    const never = await api.run(session, 'echo never');
    proxy.rewrite = undefined;
    expect(faulted, 'run execs the proxy changed (a spare shell took the run instead: the fault was not set)').toBe(1);
    const error = never.messages.find((m) => m.type === 'error') as { message: string } | undefined;
    expect(error?.message, `the run's end: ${JSON.stringify(never.messages)}`).toMatch(
      /^The sandbox could not start this run's shell .*Restart session/,
    );
    expect(never.exitCode, 'an exit code for a command that never ran').toBeUndefined();
    expect(never.text, "the engine's reason, in the run's output").toMatch(/nosh/);
    expect(never.text).not.toContain('never');
    const again = await api.run(session, 'echo again');
    expect(again.text).toContain('again');
    expect(again.exitCode).toBe(0);
    expect(
      again.messages.some((m) => m.type === 'phase' && m.phase === 'replacing-sandbox'),
      'the sandbox was replaced, though only one exec failed',
    ).toBe(false);
  });
});
