/**
 * The Swarm node labels the server reads (set with `docker node update --label-add`): where the
 * node's own Engine API answers, and how many sandboxes it may hold.
 */
export const NODE_LABELS = {
  /** A DOCKER_HOST-style URL of the node's Engine API, e.g. tcp://10.0.0.12:2376 (TLS with CLUSTER_TLS_DIR). */
  engine: 'runnable-docker-notes.engine',
  /** Sandboxes the node may hold at once; DEFAULT_NODE_CAPACITY when unset. */
  capacity: 'runnable-docker-notes.capacity',
} as const;

/** A node without a capacity label holds this many sandboxes: about 1 GiB each on an 8 GiB node with room to spare. */
export const DEFAULT_NODE_CAPACITY = 6;
