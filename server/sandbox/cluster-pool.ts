import crypto from 'node:crypto';
import { usableNode, roomOn, type NodeReport } from '../cluster/node-report.ts';
import { pickPooledNode } from '../cluster/pick-pooled-node.ts';
import { AtCapacityError } from '../domain-errors.ts';
import type { Logger } from '../logger.ts';
import type { SandboxFactory } from './sandbox-factory.ts';
import type { PooledSandbox, WarmPool } from './warm-pool.ts';

const REFILL_DELAY_MS = 3000;
/** Failed creations in a row on one node before its filling pauses (until a session takes one there). */
const MAX_FAILURES = 3;

interface Entry extends PooledSandbox {
  nodeId: string;
  ready: boolean;
}

/**
 * The warm pool of a cluster: WARM_POOL ready sandboxes on each node placement may use (ready,
 * active, reachable, with room), made on that node, one at a time per node. A new session takes
 * one from the node placement would pick among those with one ready (pickPooledNode). A class
 * size asks for that many in all, spread evenly over the usable nodes (rounded up), never fewer
 * than WARM_POOL on each. The nodes are the cluster's last look (ClusterRoom), so take() stays
 * synchronous; each look also tops the pool up and takes the sandboxes of a node that was drained
 * or went down out of it (removed as soon as that node answers).
 */
export class ClusterPool implements WarmPool {
  readonly #perNode: number;
  #wanted = 0;
  readonly #factoryOn: (nodeId: string) => SandboxFactory;
  readonly #remove: (sessionId: string) => Promise<void>;
  readonly #nodes: () => NodeReport[] | undefined;
  readonly #log: Logger;
  #entries: Entry[] = [];
  /** Pooled on a node placement may no longer use: removed once that node answers. */
  #leaving: Entry[] = [];
  readonly #filling = new Set<string>();
  readonly #failures = new Map<string, number>();
  #closed = false;

  constructor(
    perNode: number,
    factoryOn: (nodeId: string) => SandboxFactory,
    remove: (sessionId: string) => Promise<void>,
    nodes: () => NodeReport[] | undefined,
    log: Logger,
  ) {
    this.#perNode = perNode;
    this.#factoryOn = factoryOn;
    this.#remove = remove;
    this.#nodes = nodes;
    this.#log = log;
  }

  /** What it keeps ready over all usable nodes (on each its share, as far as the node has room); set: the total a class size asks for. */
  get size(): number {
    const usable = (this.#nodes() ?? []).filter(usableNode);
    const target = this.#target(usable.length);
    return usable.reduce((sum, r) => sum + Math.min(target, this.#entries.filter((e) => e.nodeId === r.node.id).length + roomOn(r)), 0);
  }

  set size(total: number) {
    this.#wanted = total;
  }

  get ready(): number {
    return this.#entries.filter((e) => e.ready).length;
  }

  /** Ready sandboxes pooled on one node. */
  readyOn(nodeId: string): number {
    return this.#entries.filter((e) => e.ready && e.nodeId === nodeId).length;
  }

  /** A ready sandbox from the node placement would pick among those with one; else one being made on a usable node. */
  take(): PooledSandbox | undefined {
    const nodes = this.#nodes();
    if (!nodes) return undefined;
    const byNode = (ready: boolean) => {
      const counts = new Map<string, number>();
      for (const e of this.#entries) if (e.ready || !ready) counts.set(e.nodeId, (counts.get(e.nodeId) ?? 0) + 1);
      return counts;
    };
    const ready = pickPooledNode(nodes, byNode(true));
    const picked = ready ?? pickPooledNode(nodes, byNode(false));
    if (!picked) return undefined;
    const i = this.#entries.findIndex((e) => e.nodeId === picked.node.id && (e.ready || !ready));
    const [entry] = this.#entries.splice(i, 1);
    this.#failures.delete(picked.node.id); // a new visitor is a reason to try again after failures
    // Refill a little later: making a sandbox now would compete with the new session's first Run.
    setTimeout(() => this.fill(), REFILL_DELAY_MS).unref();
    return entry && { sessionId: entry.sessionId, sandbox: entry.sandbox };
  }

  /** Tops every usable node up to its share, one sandbox at a time per node. */
  fill(): void {
    const nodes = this.#nodes();
    if (this.#closed || !nodes) return;
    const usable = nodes.filter(usableNode);
    if (this.#target(usable.length) === 0) return;
    for (const r of usable) if (!this.#filling.has(r.node.id)) void this.#fillNode(r.node.id);
  }

  /** After each look at the cluster: the pooled sandboxes of nodes placement may no longer use leave the pool; then top up. */
  looked(nodes: NodeReport[]): void {
    const usable = new Set(nodes.filter(usableNode).map((r) => r.node.id));
    const leaving = this.#entries.filter((e) => !usable.has(e.nodeId));
    if (leaving.length) {
      this.#entries = this.#entries.filter((e) => usable.has(e.nodeId));
      this.#leaving.push(...leaving);
    }
    for (const e of [...this.#leaving]) {
      const r = nodes.find((n) => n.node.id === e.nodeId);
      // A node still down keeps its sandbox until it answers; one gone from the swarm is the start-up sweep's.
      if (r && !r.reachable) continue;
      this.#leaving = this.#leaving.filter((x) => x !== e);
      void this.#removeEntry(e, r?.node.name ?? e.nodeId);
    }
    this.fill();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries, ...this.#leaving];
    this.#entries = [];
    this.#leaving = [];
    await Promise.all(entries.map((e) => this.#removeEntry(e, e.nodeId)));
  }

  /** Per node: WARM_POOL, or the class size spread evenly over the usable nodes when that is more. */
  #target(usable: number): number {
    return Math.max(this.#perNode, usable > 0 ? Math.ceil(this.#wanted / usable) : 0);
  }

  async #fillNode(nodeId: string): Promise<void> {
    this.#filling.add(nodeId);
    try {
      while (!this.#closed) {
        const nodes = this.#nodes() ?? [];
        const r = nodes.find((n) => n.node.id === nodeId);
        const target = this.#target(nodes.filter(usableNode).length);
        const held = this.#entries.filter((e) => e.nodeId === nodeId).length;
        if (!r || !usableNode(r) || roomOn(r) === 0 || held >= target || (this.#failures.get(nodeId) ?? 0) >= MAX_FAILURES) return;
        const sessionId = crypto.randomUUID();
        const sandbox = this.#factoryOn(nodeId)(sessionId, () => undefined);
        const entry: Entry = { sessionId, sandbox, nodeId, ready: false };
        this.#entries.push(entry);
        try {
          // Ready means its engine answers too: a pooled first Run of `docker` should not wait.
          await (await sandbox).engineReady;
          entry.ready = true;
          this.#failures.delete(nodeId);
        } catch (err) {
          const taken = !this.#entries.includes(entry);
          this.#entries = this.#entries.filter((e) => e !== entry);
          // Full since the last look: not a failure; the next look tries again.
          if (err instanceof AtCapacityError) return;
          const failures = (this.#failures.get(nodeId) ?? 0) + 1;
          this.#failures.set(nodeId, failures);
          this.#log
            .child({ session: sessionId, node: r.node.name })
            .info(`Warm pool: could not make a sandbox (${(err as Error).message.split('\n')[0]}).`);
          if (failures >= MAX_FAILURES)
            this.#log.info(`Warm pool: paused on node ${r.node.name} after ${MAX_FAILURES} failures; sessions there make their own sandboxes.`);
          // One made whose engine did not start is still there: remove it (unless a session took it meanwhile).
          if (!taken) void this.#removeEntry(entry, r.node.name);
        }
      }
    } finally {
      this.#filling.delete(nodeId);
    }
  }

  async #removeEntry(e: Entry, where: string): Promise<void> {
    // A creation that failed was logged by #fillNode; what it left is removed just below all the same.
    await e.sandbox.catch(() => undefined);
    await this.#remove(e.sessionId).catch((err: unknown) =>
      this.#log.child({ session: e.sessionId, node: where }).warn('Warm pool: could not remove a pooled sandbox (the next start-up sweeps it)', err),
    );
  }
}
