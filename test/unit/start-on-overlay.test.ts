import { describe, expect, it } from 'vitest';
import type { Engine } from '../../server/docker/engine.ts';
import type { Clock } from '../../server/retry-until.ts';
import { OverlayTimeoutError } from '../../server/sandbox/on-overlay.ts';
import type { Phase } from '../../server/sandbox/session-sandbox.ts';
import { type OverlayStart, startOnOverlay } from '../../server/sandbox/start-on-overlay.ts';

/** A clock that moves when the retry sleeps, and by 20 s on each failed try (the node's deadline). */
function slowClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const advance = (ms: number) => {
    now += ms;
  };
  return { now: () => now, sleep: async (ms) => advance(ms), advance };
}

const DEADLINE = '(HTTP code 500) server error - attaching to network failed, make sure your network options are correct: context deadline exceeded';

/**
 * A node and a manager as far as a start needs them: the overlay is made in generations, and a
 * start on one of the `stuck` generations fails every try, as a wedged overlay does.
 */
function fakeCluster(stuck: Set<number>, clock: ReturnType<typeof slowClock>, opts: { managerKeeps?: boolean } = {}) {
  const log: string[] = [];
  let generation = 1;
  let containers = 0;
  const node = {
    createContainer: async () => `c${++containers}`,
    startContainer: async (id: string) => {
      log.push(`start ${id} on overlay ${generation}`);
      if (stuck.has(generation)) {
        clock.advance(20_000);
        throw new Error(DEADLINE);
      }
    },
    removeContainer: async (id: string) => void log.push(`remove ${id}`),
  } as unknown as Engine;
  const manager = {
    removeNetwork: async () => {
      if (opts.managerKeeps) throw new Error('network is in use');
      log.push(`remove overlay ${generation}`);
    },
  } as unknown as Engine;
  const makeNetwork = async () => {
    if (!opts.managerKeeps) generation++;
    log.push(`make overlay ${generation}`);
    return opts.managerKeeps ? undefined : `10.213.${generation}.0/28`;
  };
  return { node, manager, makeNetwork, log };
}

/** startOnOverlay on the fake cluster, node-2 unless said, with `extra` over the defaults. */
function start(c: ReturnType<typeof fakeCluster>, clock: Clock, extra: Partial<OverlayStart> = {}) {
  return startOnOverlay({
    engine: c.node,
    manager: c.manager,
    nodeName: 'node-2',
    network: 'zz-rdn-net-x',
    makeNetwork: c.makeNetwork,
    spec: {},
    created: () => undefined,
    lap: () => undefined,
    wait: { clock },
    ...extra,
  });
}

describe('startOnOverlay: a sandbox start on a stuck Swarm overlay', () => {
  it('starts on the first overlay when it attaches, making nothing again', async () => {
    const clock = slowClock();
    const c = fakeCluster(new Set(), clock);
    let created = 0;
    const laps: string[] = [];
    const id = await start(c, clock, { created: () => created++, lap: (s) => laps.push(s) });
    expect(id).toBe('c1');
    expect(c.log).toEqual(['start c1 on overlay 1']);
    expect(created).toBe(1);
    expect(laps).toEqual(['create', 'start']);
  });

  for (const stuck of [[1], [1, 2]]) {
    it(`removes a stuck overlay and its container, makes both again, and tells the reader (stuck: ${stuck.join(', ')})`, async () => {
      const clock = slowClock();
      const c = fakeCluster(new Set(stuck), clock);
      const phases: Phase[] = [];
      const lines: string[] = [];
      const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), child: () => logger };
      let created = 0;
      const id = await start(c, clock, {
        created: () => created++,
        wait: { clock, onPhase: (p) => phases.push(p), logger },
        roundMs: 50_000,
        subnet: '10.213.1.0/28',
      });
      const last = stuck.length + 1;
      expect(id).toBe(`c${last}`);
      expect(c.log).toContain(`remove c${stuck.length}`);
      expect(c.log).toContain(`make overlay ${last}`);
      expect(c.log.at(-1)).toBe(`start c${last} on overlay ${last}`);
      expect(created, 'placement counts the sandbox once').toBe(1);
      const remade = lines.filter((l) => !l.startsWith('Waiting for'));
      expect(remade[0]).toBe(
        "Swarm's overlay zz-rdn-net-x (10.213.1.0/28) is stuck on node node-2: removing it and making it again (overlay 2 of 3)",
      );
      expect(remade[1]).toBe("Swarm's overlay zz-rdn-net-x made again in 10.213.2.0/28");
      expect(phases.map((p) => p.message)).toContain(
        `The cluster's network for your sandbox on node node-2 is stuck: making it again (try ${last} of 3)`,
      );
    });
  }

  it('gives up after three overlays, saying so', async () => {
    const clock = slowClock();
    const c = fakeCluster(new Set([1, 2, 3, 4]), clock);
    const started = start(c, clock, { nodeName: 'node-1' });
    await expect(started).rejects.toThrow(OverlayTimeoutError);
    await expect(started).rejects.toThrow(/^Swarm did not attach the sandbox on node node-1 .*the last of 3 overlays made for it in turn\)$/s);
    expect(c.log.filter((l) => l.startsWith('make overlay'))).toEqual(['make overlay 2', 'make overlay 3']);
  });

  it('goes on with the same overlay when the manager will not remove it', async () => {
    const clock = slowClock();
    const c = fakeCluster(new Set([1]), clock, { managerKeeps: true });
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (m: string) => warnings.push(m), child: () => logger };
    const started = start(c, clock, { nodeName: 'node-3', wait: { clock, logger } });
    await expect(started).rejects.toThrow(OverlayTimeoutError);
    expect(warnings[0]).toMatch(/could not remove the stuck overlay zz-rdn-net-x/);
  });

  it('does not remake anything for an error that is not the overlay', async () => {
    const clock = slowClock();
    const c = fakeCluster(new Set(), clock);
    (c.node as unknown as { startContainer: () => Promise<void> }).startContainer = async () => {
      throw new Error('No such image: runnable-docker-notes/sandbox:latest');
    };
    await expect(start(c, clock, { nodeName: 'node-1' })).rejects.toThrow(/No such image/);
    expect(c.log).toEqual([]);
  });
});
