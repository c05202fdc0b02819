import { AtCapacityError } from '../domain-errors.ts';
import { parseDockerHost, type DockerConnection } from '../docker/docker-host.ts';
import { Engine } from '../docker/engine.ts';
import type { LabelledObjects } from '../docker/engine-types.ts';
import { EngineUnreachableError } from '../docker/engine-error.ts';
import { LABELS } from '../docker/labels.ts';
import { retryUntil } from '../retry-until.ts';
import { readNodes, type ClusterNode } from './cluster-nodes.ts';
import type { NodeReport } from './node-report.ts';
import { placeSandbox, type NodeLoad } from './place-sandbox.ts';

/** A node chosen for a sandbox, with its engine; `release` once its container exists (or the creation failed). */
export interface Placement {
  node: ClusterNode;
  engine: Engine;
  release(): void;
}

/**
 * A Docker Swarm as the server drives it: the manager for the node list and the session networks
 * (attachable overlays), and one Engine per node (from its label) for everything a sandbox does.
 * The session -> node mapping is the `node` label on the sandbox, so nothing here needs to persist.
 */
export class Cluster {
  readonly manager: Engine;
  readonly #tlsDir: string | undefined;
  readonly #engines = new Map<string, Engine>();
  /**
   * Sandboxes placed on a node whose container does not exist yet (then the node's own list counts
   * it): counted as held, so a burst does not all land on one node.
   */
  readonly #pending = new Map<string, number>();
  #placing: Promise<unknown> = Promise.resolve();

  constructor(manager: DockerConnection, tlsDir: string | undefined) {
    this.manager = new Engine(manager);
    this.#tlsDir = tlsDir;
  }

  async nodes(): Promise<ClusterNode[]> {
    return readNodes(await this.manager.listNodes());
  }

  /** The node's Engine (one per URL, kept), with the cluster's TLS keys. */
  engineOf(node: ClusterNode): Engine {
    const url = node.engineUrl;
    if (!url) throw new Error(`Swarm node ${node.name} has no Engine API label; it cannot hold sandboxes.`);
    let engine = this.#engines.get(url);
    if (!engine) {
      const tls = this.#tlsDir ? { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: this.#tlsDir } : {};
      engine = new Engine(parseDockerHost({ DOCKER_HOST: url, ...tls }));
      this.#engines.set(url, engine);
    }
    return engine;
  }

  /** The sandboxes each node holds (by label, whoever made them), plus those being made; an unreachable node is left out. */
  async loads(nodes: ClusterNode[]): Promise<NodeLoad[]> {
    const loads = await Promise.all(
      nodes.map(async (node) => {
        if (!node.engineUrl || !node.ready) return { node, holds: node.capacity };
        try {
          const held = await this.engineOf(node).listLabelled({ [LABELS.role]: 'sandbox' });
          return { node, holds: held.containers.length + (this.#pending.get(node.id) ?? 0) };
        } catch {
          return undefined;
        }
      }),
    );
    return loads.filter((l): l is NodeLoad => l !== undefined);
  }

  /**
   * Every node as the manager lists it, with whether its engine answers and what it holds: the
   * sandboxes of any instance (plus those being made there) and this instance's own.
   */
  async report(instance: string): Promise<NodeReport[]> {
    return Promise.all(
      (await this.nodes()).map(async (node) => {
        const pending = this.#pending.get(node.id) ?? 0;
        if (!node.engineUrl) return { node, reachable: false, holds: pending, mine: 0 };
        try {
          const engine = this.engineOf(node);
          const [all, mine] = await Promise.all([
            engine.listLabelled({ [LABELS.role]: 'sandbox' }),
            engine.listLabelled({ [LABELS.role]: 'sandbox', [LABELS.instance]: instance }),
          ]);
          return { node, reachable: true, holds: all.containers.length + pending, mine: mine.containers.length + pending };
        } catch {
          return { node, reachable: false, holds: pending, mine: 0 };
        }
      }),
    );
  }

  /**
   * Picks the node for a new sandbox (placeSandbox) and holds its place until `release`. With
   * `onNode` (the warm pool, per node) only that node will do: the same rule, among that one node.
   */
  place(onNode?: string): Promise<Placement> {
    // One at a time: each placement must see the places held by the ones before it.
    const next = this.#placing.then(() => this.#place(onNode));
    this.#placing = next.catch(() => undefined);
    return next;
  }

  async #place(onNode: string | undefined): Promise<Placement> {
    const nodes = await this.nodes();
    const loads = await this.loads(onNode ? nodes.filter((n) => n.id === onNode) : nodes);
    const node = placeSandbox(loads);
    if (!node && onNode) {
      throw new AtCapacityError(`Swarm node ${nodes.find((n) => n.id === onNode)?.name ?? onNode} is full, drained, down or unreachable.`);
    }
    if (!node) {
      const open = nodes.filter((n) => n.ready && n.active);
      throw new AtCapacityError(
        `Every node of the cluster is full or unavailable (${open.length} of ${nodes.length} ready and active). Try again when a sandbox ends.`,
      );
    }
    this.#pending.set(node.id, (this.#pending.get(node.id) ?? 0) + 1);
    let released = false;
    return {
      node,
      engine: this.engineOf(node),
      release: () => {
        if (released) return;
        released = true;
        this.#pending.set(node.id, (this.#pending.get(node.id) ?? 1) - 1);
      },
    };
  }

  /** Whether the node's engine answers now. */
  async reachable(node: ClusterNode): Promise<boolean> {
    return this.engineOf(node)
      .version()
      .then(() => true)
      .catch(() => false);
  }

  /**
   * Removes everything carrying the labels on every node that answers, then the session networks
   * on the manager (an overlay is removable once its last container on any node is gone, which the
   * manager learns a moment later: a few tries). Returns what it found, the nodes it could not
   * reach (or that refused, with why) and the networks still in use (a down node's sandbox holds its overlay until the manager
   * lets go of that node; the next sweep removes them).
   */
  async removeLabelled(labels: Record<string, string>): Promise<ClusterSweep> {
    const nodes = (await this.nodes()).filter((n) => n.engineUrl);
    const found: ClusterSweep = { containers: [], networks: [], volumes: [], unreachable: [], networksInUse: [] };
    await Promise.all(
      nodes.map(async (n) => {
        try {
          const r = await this.engineOf(n).removeLabelled(labels, { networks: false });
          found.containers.push(...r.containers);
          found.volumes.push(...r.volumes);
        } catch (err) {
          found.unreachable.push(err instanceof EngineUnreachableError ? n.name : `${n.name} (${(err as Error).message.split('\n')[0]})`);
        }
      }),
    );
    const left = await retryUntil(
      async () => {
        const r = await this.manager.removeLabelled(labels).catch(() => undefined);
        for (const id of r?.networks ?? []) if (!found.networks.includes(id)) found.networks.push(id);
        const still = (await this.manager.listLabelled(labels)).networks;
        return still.length === 0 ? [] : undefined;
      },
      { tries: 10, delayMs: 300 },
    );
    if (!left) found.networksInUse = (await this.manager.listLabelled(labels)).networks;
    return found;
  }
}

/** What a sweep of the cluster removed, and what it could not. */
export interface ClusterSweep extends LabelledObjects {
  unreachable: string[];
  networksInUse: string[];
}
