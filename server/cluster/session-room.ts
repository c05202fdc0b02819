import { roomOn, usableNode, type NodeReport } from './node-report.ts';

/**
 * How many sessions of an instance fit on the cluster now: the sandboxes it holds (and is making)
 * on every node placement may use, plus the room left there. The session store's queue takes over past it.
 */
export function sessionRoom(reports: NodeReport[]): number {
  return reports.filter(usableNode).reduce((room, r) => room + r.mine + roomOn(r), 0);
}
