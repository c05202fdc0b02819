import type { Engine } from '../docker/engine.ts';
import type { ContainerSpec } from '../docker/engine-types.ts';
import { onOverlay, OverlayTimeoutError, type OverlayWaitOptions } from './on-overlay.ts';

/**
 * How long a start may keep failing on the session's overlay before that overlay is made anew.
 * Slow attaches under a burst succeed within this (the slowest seen took about 40 s); a stuck one
 * fails every try, each after the node's 20 s deadline.
 */
const ROUND_MS = 50_000;
/** Overlays tried per sandbox: the first, and two made anew. */
const ROUNDS = 3;

/** What a sandbox's start on a Swarm node needs. */
export interface OverlayStart {
  /** The node's own engine. */
  engine: Engine;
  /** The manager, which owns the overlay. */
  manager: Engine;
  nodeName: string;
  /** The session's overlay network (its name). */
  network: string;
  /** Makes the session's overlay through the manager in a subnet not tried yet (returns it), or takes over the one it has. */
  makeNetwork: () => Promise<string | undefined>;
  /** The overlay's subnet, when this creation made it (for the log). */
  subnet?: string | undefined;
  /** The sandbox container, on `network`. */
  spec: ContainerSpec;
  /** Called once, when the first container is made. */
  created: () => void;
  /** Marks a step's end for the creation's timings (`create`, `start`). */
  lap: (step: string) => void;
  wait: OverlayWaitOptions;
  roundMs?: number;
}

/**
 * Creates and starts a sandbox on a node whose session overlay the manager must attach there. A
 * start can fail every try on one overlay while the rest of the cluster attaches fine: in bursts of
 * 150 one or two sessions' starts failed for 2 minutes, each try "context deadline exceeded" after
 * 20 s then "network ... not found" at once, over and over, whatever the load. So after ROUND_MS
 * of failed tries the container and the overlay are removed and made again (a new network id, the
 * same name, in another subnet), up to ROUNDS overlays in all; the reader is told each time. Returns the container's id.
 */
export async function startOnOverlay(o: OverlayStart): Promise<string> {
  const roundMs = o.roundMs ?? ROUND_MS;
  let subnet = o.subnet;
  for (let round = 1; ; round++) {
    const id = await onOverlay(o.nodeName, () => o.engine.createContainer(o.spec), { ...o.wait, step: 'create' });
    if (round === 1) {
      o.created();
      o.lap('create');
    }
    try {
      await onOverlay(o.nodeName, () => o.engine.startContainer(id), { ...o.wait, step: 'start', timeoutMs: roundMs });
      o.lap('start');
      return id;
    } catch (err) {
      if (!(err instanceof OverlayTimeoutError)) throw err;
      if (round === ROUNDS) throw new OverlayTimeoutError(`${err.message} (the last of ${ROUNDS} overlays made for it in turn)`);
      o.wait.logger?.info(
        `Swarm's overlay ${o.network}${subnet ? ` (${subnet})` : ''} is stuck on node ${o.nodeName}: removing it and making it again (overlay ${round + 1} of ${ROUNDS})`,
      );
      o.wait.onPhase?.({
        phase: 'creating-sandbox',
        message: `The cluster's network for your sandbox on node ${o.nodeName} is stuck: making it again (try ${round + 1} of ${ROUNDS})`,
      });
      await o.engine.removeContainer(id);
      // If the manager will not let go of it, the next round takes the same overlay over, and still has its time.
      await o.manager
        .removeNetwork(o.network)
        .catch((e: unknown) => o.wait.logger?.warn(`could not remove the stuck overlay ${o.network} (the next try uses it as it is)`, e));
      subnet = await o.makeNetwork();
      o.wait.logger?.info(`Swarm's overlay ${o.network} made again${subnet ? ` in ${subnet}` : ' (the old one kept)'}`);
    }
  }
}
