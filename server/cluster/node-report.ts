import type { NodeHealth } from '../protocol.ts';
import type { ClusterNode } from './cluster-nodes.ts';

/** A node with whether its engine answers, the sandboxes it holds (any instance's, and being made) and this instance's among them. */
export interface NodeReport {
  node: ClusterNode;
  reachable: boolean;
  holds: number;
  mine: number;
}

/** Placement may use the node: ready, active (not drained), with an Engine API label, and its engine answers. */
export function usableNode(r: NodeReport): boolean {
  return r.node.ready && r.node.active && r.node.engineUrl !== undefined && r.reachable;
}

/** Sandboxes the node may still take: its capacity minus what it holds. */
export function roomOn(r: NodeReport): number {
  return Math.max(0, r.node.capacity - r.holds);
}

/** The nodes as /api/health shows them: by name (the manager lists them in no set order), with the pooled sandboxes ready on each. */
export function nodeHealth(reports: readonly NodeReport[], pooledOn: (nodeId: string) => number): NodeHealth[] {
  return [...reports]
    .sort((a, b) => a.node.name.localeCompare(b.node.name))
    .map((r) => ({
      name: r.node.name,
      ready: r.node.ready,
      active: r.node.active,
      reachable: r.reachable,
      holds: r.reachable ? r.holds : null,
      capacity: r.node.capacity,
      pooled: pooledOn(r.node.id),
    }));
}
