import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../server/docker/labels.ts';
import type { NodeHealth } from '../../server/protocol.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { startTestCluster, type TestCluster } from '../support/test-cluster.ts';

// One cluster and one server with WARM_POOL=1 for the whole file, in order: the warm pool per node,
// and /api/health's view of each node (a drained one, a stopped one). Two sandboxes per node.
let cluster: TestCluster;
let app: AppServer;

async function nodesInHealth(): Promise<NodeHealth[]> {
  const r = await app.api.request('GET', '/api/health');
  expect(r.status, `GET /api/health: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body.nodes as NodeHealth[];
}

/** The node whose engine holds the session's sandbox (the node label is the mapping). */
async function nodeOf(session: string): Promise<string | undefined> {
  for (const node of cluster.nodes) {
    if ((await node.engine.listLabelled({ [LABELS.session]: session, [LABELS.role]: 'sandbox' })).containers.length > 0) return node.name;
  }
  return undefined;
}

/** The phases a session's first Run went through: a pooled sandbox skips making one. */
async function firstRunPhases(session: string): Promise<string[]> {
  const r = await app.api.run(session, 'docker version --format "{{.Server.Version}}"');
  expect(r.exitCode, `the first Run's exit code (output: ${r.text})`).toBe(0);
  return r.messages.filter((m) => m.type === 'phase').map((m) => (m as { phase: string }).phase);
}

/** Polls the node's entry in /api/health (the server looks at the nodes every 5 s) until it matches. */
function nodePoll(name: string, timeout: number, message: string) {
  return expect.poll(async () => (await nodesInHealth()).find((n) => n.name === name), { timeout, interval: 1000, message });
}

beforeAll(async () => {
  cluster = await startTestCluster({ capacity: 2 });
  app = await startAppServer({ ...cluster.env, WARM_POOL: '1', MAX_SESSIONS: '20', MAX_SESSIONS_PER_USER: '20' });
}, 900_000);

afterAll(async () => {
  await app?.server.stop();
  await cluster?.close();
});

describe('a warm pool per node, and health per node, on a three-node Docker Swarm', () => {
  it('with WARM_POOL=1 each node gets a ready pooled sandbox of its own, and /api/health lists every node with it', async () => {
    // The nodes as the server's last look found them (every 5 s), and its pooled sandboxes ready on each.
    await expect.poll(nodesInHealth, { timeout: 240_000, interval: 1000, message: 'the nodes in /api/health' }).toEqual(
      ['rdn-node-1', 'rdn-node-2', 'rdn-node-3'].map((name) => ({
        name,
        ready: true,
        active: true,
        reachable: true,
        holds: 1,
        capacity: 2,
        pooled: 1,
      })),
    );
    for (const node of cluster.nodes) {
      const held = await node.engine.listLabelled({ [LABELS.instance]: app.instance, [LABELS.role]: 'sandbox' });
      expect(held.containers, `the instance's sandboxes on ${node.name}'s own engine`).toHaveLength(1);
    }
    const r = await app.api.request('GET', '/api/health');
    expect(r.body.pool, 'the pool in /api/health').toEqual({ size: 3, ready: 3 });
  });

  it("a new session's first Run uses a pooled sandbox (no sandbox made), from the node placement picks", async () => {
    const session = await app.api.createSession();
    const phases = await firstRunPhases(session);
    expect(phases, "the first Run's phases").not.toContain('creating-sandbox');
    expect(phases, "the first Run's phases").not.toContain('starting-engine');
    // All three have the same room: ties go by name.
    expect(await nodeOf(session), 'the node of the session that took a pooled sandbox').toBe('rdn-node-1');
  });

  it('a drained node: health says so, its pooled sandbox is removed, and a new session takes one from another node', async () => {
    await cluster.setAvailability('rdn-node-2', 'drain');
    await nodePoll('rdn-node-2', 60_000, 'rdn-node-2 in /api/health').toMatchObject({ active: false, reachable: true, holds: 0, pooled: 0 });
    const session = await app.api.createSession();
    const phases = await firstRunPhases(session);
    expect(phases, "the first Run's phases").not.toContain('creating-sandbox');
    // Node 1 holds the first session and its pool's refill (full); node 3 has a pooled one and room.
    expect(await nodeOf(session), 'the node of a session made while rdn-node-2 was drained').toBe('rdn-node-3');
    await cluster.setAvailability('rdn-node-2', 'active');
    await nodePoll('rdn-node-2', 240_000, 'rdn-node-2 back in use').toMatchObject({ active: true, pooled: 1 });
  });

  it('a stopped node: health says it does not answer, with nothing pooled there', async () => {
    await cluster.stopNode('rdn-node-3');
    await nodePoll('rdn-node-3', 60_000, 'rdn-node-3 in /api/health').toMatchObject({ reachable: false, holds: null, pooled: 0, capacity: 2 });
    const others = (await nodesInHealth()).filter((n) => n.name !== 'rdn-node-3');
    expect(
      others.map((n) => n.reachable),
      `the other nodes: ${JSON.stringify(others)}`,
    ).toEqual([true, true]);
  });

  it('the teardown leaves nothing behind', async () => {
    await app.server.stop();
    await cluster.close();
    expect(await cluster.leftovers(), 'objects labelled as the test cluster').toEqual({ containers: [], networks: [], volumes: [] });
  });
});
