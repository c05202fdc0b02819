import type { ClusterNode } from '../../server/cluster/cluster-nodes.ts';

/** A Swarm node as the server reads it: ready, active, reachable at a made-up URL, room for 4 unless told otherwise. */
export const fakeNode = (name: string, more: Partial<ClusterNode> = {}): ClusterNode => ({
  id: `id-${name}`,
  name,
  ready: true,
  active: true,
  engineUrl: `tcp://${name}:2376`,
  capacity: 4,
  ...more,
});
