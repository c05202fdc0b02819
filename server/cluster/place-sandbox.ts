import type { ClusterNode } from './cluster-nodes.ts';

/** A node and the sandboxes it holds now (its own containers, plus those being made there). */
export interface NodeLoad {
  node: ClusterNode;
  holds: number;
}

/**
 * Where a new sandbox goes: among nodes that are ready, active (not drained) and have an Engine
 * API label, those with room (capacity minus the sandboxes they hold) above zero; of them the one
 * with the most room, ties by name. None: the cluster is full (the caller's queue takes over).
 */
export function placeSandbox(loads: NodeLoad[]): ClusterNode | undefined {
  const room = (l: NodeLoad) => l.node.capacity - l.holds;
  const open = loads.filter((l) => l.node.ready && l.node.active && l.node.engineUrl && room(l) > 0);
  open.sort((a, b) => room(b) - room(a) || a.node.name.localeCompare(b.node.name));
  return open[0]?.node;
}
