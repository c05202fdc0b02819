import type { SwarmNodeInfo } from '../docker/engine-types.ts';
import { DEFAULT_NODE_CAPACITY, NODE_LABELS } from './node-labels.ts';

/** A Swarm node as placement sees it. */
export interface ClusterNode {
  id: string;
  name: string;
  /** The manager hears from it (`ready`), and it takes new work (`active`: not drained or paused). */
  ready: boolean;
  active: boolean;
  /** Its Engine API from its label; a node without one cannot be driven, so it gets no sandbox. */
  engineUrl: string | undefined;
  capacity: number;
}

/** Reads the manager's node list into nodes: state, availability, and the two labels. */
export function readNodes(raw: SwarmNodeInfo[]): ClusterNode[] {
  return raw.map((n) => {
    const label = n.labels[NODE_LABELS.capacity];
    const parsed = label !== undefined && /^\d+$/.test(label.trim()) ? Number(label) : DEFAULT_NODE_CAPACITY;
    return {
      id: n.id,
      name: n.hostname,
      ready: n.state === 'ready',
      active: n.availability === 'active',
      engineUrl: n.labels[NODE_LABELS.engine]?.trim() || undefined,
      capacity: parsed,
    };
  });
}
