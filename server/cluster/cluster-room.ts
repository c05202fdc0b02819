import type { Logger } from '../logger.ts';
import type { Cluster } from './cluster.ts';

const EVERY_MS = 5000;

/**
 * The cluster's room for this instance's sessions, looked up every few seconds in the background,
 * so admitting a session (synchronous, per request) reads a recent figure instead of asking every node.
 */
export class ClusterRoom {
  /** Unknown until the first look, or after one failed: then only MAX_SESSIONS limits. */
  latest: number | undefined;
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
    try {
      this.latest = await this.#cluster.sessionRoom(this.#instance);
      this.#warned = false;
    } catch (err) {
      this.latest = undefined;
      // Once per outage: the manager not answering is logged, not repeated every few seconds.
      if (!this.#warned) this.#log.warn('could not read the room on the cluster; only MAX_SESSIONS limits sessions meanwhile', err);
      this.#warned = true;
    }
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
