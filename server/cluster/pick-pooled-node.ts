import { roomOn, usableNode, type NodeReport } from './node-report.ts';

/**
 * The node whose pooled sandbox a new session takes: placement's rule (ready, active, reachable;
 * the most room, ties by name) among the nodes that have one ready. `ready` is how many each
 * node has, by node id. None: no usable node has one, and the session makes its own sandbox.
 */
export function pickPooledNode(reports: NodeReport[], ready: ReadonlyMap<string, number>): NodeReport | undefined {
  const open = reports.filter((r) => usableNode(r) && (ready.get(r.node.id) ?? 0) > 0);
  open.sort((a, b) => roomOn(b) - roomOn(a) || a.node.name.localeCompare(b.node.name));
  return open[0];
}
