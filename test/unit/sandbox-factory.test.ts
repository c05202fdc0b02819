import { describe, expect, it } from 'vitest';
import type { Engine } from '../../server/docker/engine.ts';
import { sandboxFactory, type SandboxFactoryOptions } from '../../server/sandbox/sandbox-factory.ts';

/** The factory's options as main.ts passes them for a default configuration, with changes. */
function options(changes: Partial<SandboxFactoryOptions>): SandboxFactoryOptions {
  return {
    instance: 'local',
    image: 'runnable-docker-notes/sandbox:latest',
    mode: 'isolated',
    isolation: 'rootless',
    privilege: 'auto',
    limits: { memoryBytes: 2 ** 31, nanoCpus: 1.5e9, pids: 1024 },
    subnets: undefined,
    registryMirror: undefined,
    mirrorContainer: 'runnable-docker-notes-mirror',
    insecureRegistries: [],
    attachContainers: [],
    hostSocket: '/var/run/docker.sock',
    install: { dir: '/run', files: [] },
    ...changes,
  };
}

/** An engine that records the privilege probe's labels, then stops the factory at the image check. */
function recordingEngine() {
  const probes: Array<Record<string, string>> = [];
  const engine = {
    runOnce: async (o: { labels: Record<string, string> }) => {
      probes.push(o.labels);
      return { output: '', exitCode: 0, containerId: 'probe' };
    },
    containerRunning: async () => false,
    imagePresent: async () => {
      throw new Error('stop here');
    },
  } as unknown as Engine;
  return { engine, probes };
}

describe('the sandbox factory', () => {
  it("labels the rootful privilege probe with the server's instance, so a start-up sweep removes it after a crash", async () => {
    const { engine, probes } = recordingEngine();
    const make = sandboxFactory(engine, options({ isolation: 'rootful', instance: 'probe-owner' }), () => undefined);
    await expect(make('s-1', () => undefined)).rejects.toThrow(/stop here/);
    expect(probes).toEqual([{ 'runnable-docker-notes.role': 'probe', 'runnable-docker-notes.instance': 'probe-owner' }]);
  });

  it('runs no privilege probe for rootless sandboxes (they never ask for --privileged)', async () => {
    const { engine, probes } = recordingEngine();
    const make = sandboxFactory(engine, options({ instance: 'probe-owner' }), () => undefined);
    await expect(make('s-1', () => undefined)).rejects.toThrow(/stop here/);
    expect(probes).toEqual([]);
  });
});
