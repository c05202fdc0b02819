import type { Logger } from '../logger.ts';
import type { Cluster } from './cluster.ts';
import type { NodeReport } from './node-report.ts';
import { sessionRoom } from './session-room.ts';

const EVERY_MS = 5000;

/**
 * The cluster's nodes and the room on them for this instance's sessions, looked up every few
 * seconds in the background, so admitting a session or taking a pooled sandbox (synchronous,
 * per request) and /api/health read a recent figure instead of asking every node.
 */
export class ClusterRoom {
  /** Unknown until the first look, or after one failed: then only MAX_SESSIONS limits. */
  latest: number | undefined;
  /** Each node as the last look found it; unknown as `latest` is. */
  nodes: NodeReport[] | undefined;
  /** Called after each look that succeeded (the per-node warm pool tops up and prunes then). */
  onLook: (nodes: NodeReport[]) => void = () => undefined;
  readonly #cluster: Cluster;
  readonly #instance: string;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #warned = false;

  constructor(cluster: Cluster, instance: string, log: Logger) {
    this.#cluster = cluster;
    this.#instance = instance;
    this.#log = log;
  }

  async refresh(): Promise<void> {
    let nodes: NodeReport[];
    try {
      nodes = await this.#cluster.report(this.#instance);
      this.nodes = nodes;
      this.latest = sessionRoom(nodes);
      this.#warned = false;
    } catch (err) {
      this.latest = undefined;
      this.nodes = undefined;
      // Once per outage: the manager not answering is logged, not repeated every few seconds.
      if (!this.#warned) this.#log.warn('could not read the room on the cluster; only MAX_SESSIONS limits sessions meanwhile', err);
      this.#warned = true;
      return;
    }
    this.onLook(nodes);
  }

  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), EVERY_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
