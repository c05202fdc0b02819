import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClusterNode } from '../../server/cluster/cluster-nodes.ts';
import type { NodeReport } from '../../server/cluster/node-report.ts';
import { pickPooledNode } from '../../server/cluster/pick-pooled-node.ts';
import { ClusterPool } from '../../server/sandbox/cluster-pool.ts';
import { fakeFactory, recordingLogger, settle } from './fake-sandbox.ts';
import { fakeNode } from './fake-node.ts';

const node = fakeNode;
const report = (n: ClusterNode, holds = 0, reachable = true): NodeReport => ({ node: n, reachable, holds, mine: holds });

describe('pickPooledNode: whose pooled sandbox a new session takes', () => {
  it('the node with the most room among those with one ready, ties by name', () => {
    const nodes = [report(node('a'), 3), report(node('b'), 1), report(node('c'), 1), report(node('d'), 0)];
    const ready = new Map([
      ['id-a', 1],
      ['id-b', 1],
      ['id-c', 2],
    ]);
    expect(pickPooledNode(nodes, ready)?.node.name, 'd has the most room but nothing ready; b and c tie').toBe('b');
  });

  it('never a drained, down or unreachable node, whatever it has ready', () => {
    const nodes = [report(node('drained', { active: false })), report(node('down', { ready: false })), report(node('gone'), 0, false)];
    const ready = new Map([
      ['id-drained', 1],
      ['id-down', 1],
      ['id-gone', 1],
    ]);
    expect(pickPooledNode(nodes, ready)).toBeUndefined();
  });
});

describe('ClusterPool (the warm pool, per node)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A pool over nodes the test changes, with a factory that records which node each sandbox was made on. */
  function setup(perNode: number, nodes: NodeReport[]) {
    const f = fakeFactory();
    const onNode: string[] = [];
    const state = { nodes: nodes as NodeReport[] | undefined };
    const pool = new ClusterPool(
      perNode,
      (nodeId) => (sessionId, onPhase) => {
        onNode.push(nodeId);
        return f.factory(sessionId, onPhase);
      },
      f.removeObjects,
      () => state.nodes,
      recordingLogger(),
    );
    return { f, pool, onNode, state };
  }

  it('keeps WARM_POOL ready on each usable node, and none on a drained, down or full one', async () => {
    const { pool, onNode } = setup(2, [
      report(node('a')),
      report(node('b')),
      report(node('drained', { active: false })),
      report(node('down'), 0, false),
      report(node('full'), 4),
    ]);
    pool.fill();
    await settle();
    expect(onNode.sort(), 'the nodes sandboxes were made on').toEqual(['id-a', 'id-a', 'id-b', 'id-b']);
    expect(pool.ready).toBe(4);
    expect(pool.readyOn('id-a')).toBe(2);
    expect(pool.size, 'two usable nodes, two each').toBe(4);
  });

  it("a new session takes one from the node with the most room, and that node's pool refills", async () => {
    const { pool, state, onNode } = setup(1, [report(node('a'), 2), report(node('b'), 1)]);
    pool.fill();
    await settle();
    const first = pool.take();
    expect(first, 'a pooled sandbox').toBeDefined();
    expect(pool.readyOn('id-b'), 'b had the most room: its sandbox went').toBe(0);
    expect(pool.readyOn('id-a')).toBe(1);
    state.nodes = [report(node('a'), 2), report(node('b'), 2)];
    await vi.advanceTimersByTimeAsync(3000);
    await settle();
    expect(pool.readyOn('id-b'), 'refilled on b').toBe(1);
    expect(onNode.filter((n) => n === 'id-b')).toHaveLength(2);
  });

  it('a drained node: its pooled sandbox is not handed out, and is removed; a down one waits until it answers', async () => {
    const { pool, f, state } = setup(1, [report(node('a')), report(node('b'))]);
    pool.fill();
    await settle();
    const [onA, onB] = [f.made[0]!.sessionId, f.made[1]!.sessionId];
    // As the cluster's look does: the new figures first, then the pool hears of them.
    state.nodes = [report(node('a', { active: false })), report(node('b'), 0, false)];
    pool.looked(state.nodes);
    await settle();
    expect(pool.take(), 'nothing usable to hand out').toBeUndefined();
    expect(f.removed, 'the drained node answers: its sandbox removed; the down one not yet').toEqual([onA]);
    state.nodes = [report(node('a', { active: false })), report(node('b', { ready: false }))];
    pool.looked(state.nodes);
    await settle();
    expect(f.removed.sort(), 'b answers again: its sandbox removed too').toEqual([onA, onB].sort());
  });

  it('a class size asks for that many in all, spread evenly over the usable nodes, never fewer than WARM_POOL on each', async () => {
    const { pool } = setup(1, [report(node('a')), report(node('b')), report(node('c'))]);
    pool.size = 7;
    pool.fill();
    await settle();
    expect(pool.size, 'ceil(7 / 3) = 3 on each of three nodes').toBe(9);
    expect([pool.readyOn('id-a'), pool.readyOn('id-b'), pool.readyOn('id-c')]).toEqual([3, 3, 3]);
    pool.size = 1;
    expect(pool.size, 'WARM_POOL on each').toBe(3);
  });

  it('close removes every pooled sandbox', async () => {
    const { pool, f } = setup(1, [report(node('a')), report(node('b'))]);
    pool.fill();
    await settle();
    await pool.close();
    expect(f.removed.sort()).toEqual(f.made.map((s) => s.sessionId).sort());
  });
});
