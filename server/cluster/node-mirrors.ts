import type { Engine } from '../docker/engine.ts';
import { LABELS, projectLabels } from '../docker/labels.ts';

/** The project's registry image (Debian's docker-registry, from scripts/build-images.sh): every node must hold it. */
export const NODE_MIRROR_IMAGE = 'runnable-docker-notes/registry:latest';

/**
 * One pull-through registry cache per Swarm node, in front of CLUSTER_MIRROR_UPSTREAM, so the first
 * pulls of a class go to the registry once per node, not once per sandbox. Made on a node's first
 * sandbox, found by name after that (by this server or a second one of the same instance), labelled
 * with the instance so the start-up sweep removes it. A registry in proxy mode refuses pushes, so
 * the sessions that reach it can only read it.
 */
export class NodeMirrors {
  readonly #upstream: string;
  readonly #instance: string;
  /** Per node, the look-up or creation under way: sandboxes placed on a node at once share it. */
  readonly #ensuring = new Map<string, Promise<string>>();

  constructor(upstream: string, instance: string) {
    this.#upstream = upstream;
    this.#instance = instance;
  }

  /** The mirror container's name on every node, for an instance. */
  static containerOf(instance: string): string {
    return `runnable-docker-notes-node-mirror-${instance}`;
  }

  /** The node's mirror, running (found, started or made); returns its container name. */
  ensure(nodeId: string, engine: Engine): Promise<string> {
    let ensuring = this.#ensuring.get(nodeId);
    if (!ensuring) {
      ensuring = this.#ensure(engine).finally(() => this.#ensuring.delete(nodeId));
      this.#ensuring.set(nodeId, ensuring);
    }
    return ensuring;
  }

  async #ensure(engine: Engine): Promise<string> {
    const name = NodeMirrors.containerOf(this.#instance);
    if (await engine.containerRunning(name)) return name;
    try {
      await engine.createContainer({
        name,
        Image: NODE_MIRROR_IMAGE,
        Labels: projectLabels({ [LABELS.instance]: this.#instance, [LABELS.role]: 'node-mirror' }),
        Env: [`REGISTRY_PROXY_REMOTEURL=${this.#upstream}`],
        // On the node's default bridge, which reaches the upstream; each session's overlay joins it later.
        HostConfig: { RestartPolicy: { Name: 'unless-stopped' } },
      });
    } catch (err) {
      // 409: another server (or a sweep's race) made it meanwhile; starting it below is all that is left.
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    }
    await engine.startContainer(name).catch((err: unknown) => {
      // 304: already running.
      if ((err as { statusCode?: number }).statusCode !== 304) throw err;
    });
    return name;
  }
}
