import type { Cluster } from '../cluster/cluster.ts';
import { LABELS } from '../docker/labels.ts';
import { lineLogger } from '../logger.ts';
import type { SandboxFactory, SandboxFactoryOptions } from './sandbox-factory.ts';
import type { SandboxSettings } from './sandbox-settings.ts';
import { createSandbox } from './sandbox.ts';

/**
 * Makes each sandbox on the Swarm node placement picks (cluster.place: ready, active, most room),
 * through that node's own Engine API, on an attachable overlay made through the manager. No
 * containers of this host are attached (they are on no node): registries are reached by address,
 * and a mirror only when REGISTRY_MIRROR names one. Rootful sandboxes get the capability list
 * unless SANDBOX_PRIVILEGE says `privileged` (no probe on each node). When every node is full
 * this throws AtCapacityError, the single host's "all sessions in use".
 */
export function clusterSandboxFactory(cluster: Cluster, opts: SandboxFactoryOptions, log: (line: string) => void): SandboxFactory {
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
  return async (sessionId, onPhase) => {
    const placed = await cluster.place();
    try {
      return await createSandbox(placed.engine, sessionId, settings, {
        onPhase,
        install: opts.install,
        logger: lineLogger(log, { session: sessionId, node: placed.node.name }),
        cluster: {
          nodeId: placed.node.id,
          nodeName: placed.node.name,
          manager: cluster.manager,
          removeObjects: () => removeClusterSession(cluster, sessionId),
          created: placed.release,
        },
      });
    } finally {
      placed.release();
    }
  };
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
