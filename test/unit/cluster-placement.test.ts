import { describe, expect, it } from 'vitest';
import { readNodes } from '../../server/cluster/cluster-nodes.ts';
import { DEFAULT_NODE_CAPACITY, NODE_LABELS } from '../../server/cluster/node-labels.ts';
import { placeSandbox } from '../../server/cluster/place-sandbox.ts';
import { fakeNode } from './fake-node.ts';

const node = fakeNode;

describe('placement: where a new sandbox goes', () => {
  it('the node with the most room (capacity minus the sandboxes it holds)', () => {
    const picked = placeSandbox([
      { node: node('a', { capacity: 4 }), holds: 3 },
      { node: node('b', { capacity: 8 }), holds: 5 },
      { node: node('c', { capacity: 2 }), holds: 0 },
    ]);
    expect(picked?.name).toBe('b');
  });

  it('ties go to the first name, so placement is predictable', () => {
    expect(
      placeSandbox([
        { node: node('n2'), holds: 1 },
        { node: node('n1'), holds: 1 },
      ])?.name,
    ).toBe('n1');
  });

  it('a drained, paused or down node, or one without an Engine API label, gets nothing, however much room it has', () => {
    const picked = placeSandbox([
      { node: node('drained', { active: false, capacity: 50 }), holds: 0 },
      { node: node('down', { ready: false, capacity: 50 }), holds: 0 },
      { node: node('unlabelled', { engineUrl: undefined, capacity: 50 }), holds: 0 },
      { node: node('busy', { capacity: 4 }), holds: 3 },
    ]);
    expect(picked?.name).toBe('busy');
  });

  it('no node with room: undefined (the caller says the cluster is full)', () => {
    expect(
      placeSandbox([
        { node: node('a', { capacity: 2 }), holds: 2 },
        { node: node('b', { capacity: 1 }), holds: 3 },
      ]),
    ).toBeUndefined();
    expect(placeSandbox([])).toBeUndefined();
  });
});

describe("reading the manager's nodes", () => {
  it('state, availability, the Engine API label and the capacity label', () => {
    const [n] = readNodes([
      {
        id: 'x1',
        hostname: 'node-1',
        state: 'ready',
        availability: 'drain',
        labels: { [NODE_LABELS.engine]: ' tcp://10.0.0.5:2376 ', [NODE_LABELS.capacity]: '12' },
      },
    ]);
    expect(n).toEqual({ id: 'x1', name: 'node-1', ready: true, active: false, engineUrl: 'tcp://10.0.0.5:2376', capacity: 12 });
  });

  it('a missing or malformed capacity is the documented default; a node that is down is not ready', () => {
    const nodes = readNodes([
      { id: 'a', hostname: 'a', state: 'down', availability: 'active', labels: {} },
      { id: 'b', hostname: 'b', state: 'ready', availability: 'active', labels: { [NODE_LABELS.capacity]: 'lots' } },
    ]);
    expect(nodes.map((n) => [n.ready, n.engineUrl, n.capacity])).toEqual([
      [false, undefined, DEFAULT_NODE_CAPACITY],
      [true, undefined, DEFAULT_NODE_CAPACITY],
    ]);
  });
});
