import { describe, expect, it } from 'vitest';
import type { Cluster, Placement } from '../../server/cluster/cluster.ts';
import type { Engine } from '../../server/docker/engine.ts';
import { clusterSandboxFactory } from '../../server/sandbox/cluster-sandbox-factory.ts';
import type { SandboxFactoryOptions } from '../../server/sandbox/sandbox-factory.ts';
import { OverlayAttachError, type createSandbox, type Sandbox } from '../../server/sandbox/sandbox.ts';
import type { Phase } from '../../server/sandbox/session-sandbox.ts';
import { fakeNode } from './fake-node.ts';

const options = {
  instance: 'unit',
  image: 'sandbox',
  mode: 'isolated',
  isolation: 'rootless',
  privilege: 'auto',
  limits: { memoryBytes: 2 ** 30, nanoCpus: 1e9, pids: 512 },
  subnets: undefined,
  registryMirror: undefined,
  mirrorContainer: 'mirror',
  insecureRegistries: [],
  attachContainers: [],
  hostSocket: undefined,
  install: { dir: '/run', files: [] },
} satisfies SandboxFactoryOptions;

/** A cluster that places on the nodes named in turn, and a creation that fails as told on each try. */
function setup(nodes: string[], outcomes: Array<'ok' | 'overlay' | 'other'>) {
  const placedOn: string[] = [];
  const released: string[] = [];
  const lines: string[] = [];
  let turn = 0;
  const cluster = {
    manager: {} as Engine,
    place: async (onNode?: string): Promise<Placement> => {
      const node = fakeNode(onNode?.replace(/^id-/, '') ?? nodes[Math.min(turn++, nodes.length - 1)]!);
      placedOn.push(node.name);
      return { node, engine: {} as Engine, release: () => released.push(node.name) };
    },
  } as unknown as Cluster;
  let tries = 0;
  const create = (async () => {
    const outcome = outcomes[tries++] ?? 'ok';
    if (outcome === 'overlay')
      throw new OverlayAttachError("Swarm did not attach the sandbox on node a to its session's overlay network within 120 s; Run again.");
    if (outcome === 'other') throw new Error('the node refused the container');
    return { sessionId: 's1' } as unknown as Sandbox;
  }) as unknown as typeof createSandbox;
  const factory = clusterSandboxFactory(cluster, options, (l) => lines.push(l), undefined, create);
  return { factory, placedOn, released, lines, tries: () => tries };
}

describe('the cluster factory when Swarm does not attach a sandbox to its overlay', () => {
  it('tries once more, placed afresh, tells the reader and logs why; every place held is given back', async () => {
    const s = setup(['a', 'b'], ['overlay', 'ok']);
    const phases: Phase[] = [];
    await expect(s.factory('s1', (p) => phases.push(p))).resolves.toMatchObject({ sessionId: 's1' });
    expect(s.placedOn).toEqual(['a', 'b']);
    expect(s.released.sort()).toEqual(['a', 'b']);
    expect(phases.map((p) => p.message)).toContain('Swarm did not attach the sandbox to its network; trying once more');
    expect(s.lines.join('\n')).toMatch(/Swarm did not attach .* Trying once more, on the node with most room\. \[session=s1\]/);
  });

  it('gives up after the second try, with its error', async () => {
    const s = setup(['a', 'b', 'c'], ['overlay', 'overlay']);
    await expect(s.factory('s1', () => undefined)).rejects.toBeInstanceOf(OverlayAttachError);
    expect(s.tries()).toBe(2);
    expect(s.released.length).toBe(2);
  });

  it('does not try again after any other failure, nor for a sandbox pinned to its node (the warm pool)', async () => {
    const other = setup(['a', 'b'], ['other']);
    await expect(other.factory('s1', () => undefined)).rejects.toThrow('the node refused the container');
    expect(other.tries()).toBe(1);
    const pinned = setup(['a', 'b'], ['overlay']);
    await expect(pinned.factory.on('id-a')('s1', () => undefined)).rejects.toBeInstanceOf(OverlayAttachError);
    expect(pinned.tries()).toBe(1);
  });
});
