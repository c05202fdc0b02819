import type { Cluster } from '../cluster/cluster.ts';
import { NODE_MIRROR_IMAGE, type NodeMirrors } from '../cluster/node-mirrors.ts';
import { LABELS } from '../docker/labels.ts';
import { lineLogger } from '../logger.ts';
import { MIRROR_ALIAS, type AttachedContainer, type SandboxFactory, type SandboxFactoryOptions } from './sandbox-factory.ts';
import type { SandboxSettings } from './sandbox-settings.ts';
import { createSandbox } from './create-sandbox.ts';
import { Slots } from './slots.ts';
import { EngineStarts } from './engine-starts.ts';

/**
 * Sandboxes made at once on one node; the rest wait their turn there (and say so). Each creation
 * on a node has the manager attach it to its overlay: with no gate, a burst of 50 on three nodes
 * lost 10 to 25 of them (attaches "context deadline exceeded" after 20 to 45 s, and workers' Engine
 * APIs silent for over 60 s while some 16 creations waited there). Two per node keeps a few
 * attaches at a time on the manager, and the nodes still make sandboxes side by side: 50 of 50.
 */
const NODE_CREATE_AT_ONCE = 2;
/** A node's sandbox engines starting at once when none waits to be made there (one at a time before). */
const NODE_ENGINE_STARTS_AT_ONCE = 2;

/** A cluster's factory, and the same pinned to one node (the warm pool keeps sandboxes per node). */
export type ClusterSandboxFactory = SandboxFactory & { on(nodeId: string): SandboxFactory };

/**
 * Makes each sandbox on the Swarm node placement picks (cluster.place: ready, active, most room),
 * through that node's own Engine API, on an attachable overlay made through the manager. No
 * containers of this host are attached (they are on no node): registries are reached by address.
 * With `mirrors` (CLUSTER_MIRROR_UPSTREAM) the node's own pull-through cache joins the overlay as
 * `registry-mirror`, as the host's mirror does on a single host; REGISTRY_MIRROR, when set, wins
 * over it. Rootful sandboxes get the capability list unless SANDBOX_PRIVILEGE says `privileged`
 * (no probe on each node). When every node is full this throws AtCapacityError, the single host's
 * "all sessions in use".
 */
export function clusterSandboxFactory(
  cluster: Cluster,
  opts: SandboxFactoryOptions,
  log: (line: string) => void,
  mirrors?: NodeMirrors,
): ClusterSandboxFactory {
  const settings: SandboxSettings = {
    instance: opts.instance,
    image: opts.image,
    mode: 'isolated',
    isolation: opts.isolation,
    privilege: opts.privilege === 'privileged' ? 'privileged' : 'capabilities',
    limits: opts.limits,
    subnets: opts.subnets,
    registryMirror: opts.registryMirror,
    insecureRegistries: opts.insecureRegistries,
    hostSocket: undefined,
  };
  // Per node, as on a single host: its creations, and its engines' start-ups behind them (engine-starts.ts).
  const gates = new Map<string, { slots: Slots; engines: EngineStarts }>();
  const gateOf = (nodeId: string) => {
    let gate = gates.get(nodeId);
    if (!gate) {
      const slots = new Slots(NODE_CREATE_AT_ONCE);
      gate = { slots, engines: new EngineStarts(NODE_ENGINE_STARTS_AT_ONCE, () => slots.waiting) };
      gates.set(nodeId, gate);
    }
    return gate;
  };
  const make =
    (onNode?: string): SandboxFactory =>
    async (sessionId, onPhase) => {
      // Placed first, so the place is held (and counted) while the creation waits for the node's gate.
      const placed = await cluster.place(onNode);
      const gate = gateOf(placed.node.id);
      const queued = performance.now();
      await gate.slots.acquire((ahead) =>
        onPhase({ phase: 'creating-sandbox', message: `Waiting to create your sandbox on node ${placed.node.name} (${ahead} ahead)` }),
      );
      try {
        let attach: AttachedContainer[] = [];
        let withMirror = settings;
        if (mirrors && !opts.registryMirror) {
          try {
            const container = await mirrors.ensure(placed.node.id, placed.engine);
            attach = [{ container, alias: MIRROR_ALIAS.split(':')[0]! }];
            withMirror = {
              ...settings,
              registryMirror: `http://${MIRROR_ALIAS}`,
              insecureRegistries: [...settings.insecureRegistries, MIRROR_ALIAS],
            };
          } catch (err) {
            // Not fatal: the sandbox still reaches registries by address, only without the node's cache.
            log(
              `Warning: no registry mirror on node ${placed.node.name} (${(err as Error).message.split('\n')[0]}); this sandbox pulls without it. ` +
                `Each node needs the image ${NODE_MIRROR_IMAGE}.`,
            );
          }
        }
        return await createSandbox(placed.engine, sessionId, withMirror, {
          onPhase,
          attach,
          install: opts.install,
          logger: lineLogger(log, { session: sessionId, node: placed.node.name }),
          cluster: {
            nodeId: placed.node.id,
            nodeName: placed.node.name,
            manager: cluster.manager,
            removeObjects: () => removeClusterSession(cluster, sessionId),
            created: placed.release,
          },
          queuedMs: performance.now() - queued,
          engineTurn: (start) => gate.engines.run(start),
        });
      } finally {
        gate.slots.release();
        gate.engines.wake();
        placed.release();
      }
    };
  return Object.assign(make(), { on: (nodeId: string) => make(nodeId) });
}

/** Removes a session's sandbox from whichever node holds it, then its overlay network. */
export async function removeClusterSession(cluster: Cluster, sessionId: string): Promise<void> {
  const r = await cluster.removeLabelled({ [LABELS.session]: sessionId });
  // Thrown so the caller's warning names it; a new sandbox of the session takes the network over.
  if (r.unreachable.length || r.networksInUse.length) {
    throw new Error(
      `nodes ${r.unreachable.join(', ') || 'all reachable'}; ${r.networksInUse.length} session network(s) still in use on the manager; the next start-up sweep removes what is left`,
    );
  }
}
