import type { Engine } from '../docker/engine.ts';
import { ImageMissingError } from '../docker/engine-error.ts';
import { LABELS, projectLabels } from '../docker/labels.ts';
import type { Logger } from '../logger.ts';
import { onOverlay } from './on-overlay.ts';
import { removeSessionObjects } from './remove-session-objects.ts';
import { type ClusterPlacement, Sandbox } from './sandbox.ts';
import type { SandboxSettings } from './sandbox-settings.ts';
import { sandboxCreateOptions, sandboxExecIdentity, sandboxFileOwner, sandboxNames } from './sandbox-template.ts';
import type { Phase } from './session-sandbox.ts';
import { subnetCandidates } from './session-subnet.ts';
import { startOnOverlay } from './start-on-overlay.ts';
import { StepTimer } from './step-timer.ts';
import type { SandboxFile } from './tar-files.ts';
import { waitForEngine } from './wait-for-engine.ts';

/** How createSandbox makes a sandbox: phases, registries to join, files to install, its place on a cluster, its timings. */
export interface CreateSandboxOptions {
  onPhase?: (p: Phase) => void;
  /** Containers on the sandbox's engine (registries; on a cluster, the node's mirror) to join the session's network under an alias. */
  attach?: Array<{ container: string; alias: string }>;
  /** How long to wait for the inner engine to answer. */
  engineStartTimeoutMs?: number;
  /** Files to install before the sandbox is handed out (paths relative to `dir`). */
  install?: { dir: string; files: SandboxFile[] };
  /** Where a failed clean-up after a failed creation is reported, and the steps' timings. */
  logger?: Logger;
  /**
   * On a cluster: the node the sandbox goes on (its name and node id, put in a label), the manager
   * that makes the session's network as an attachable overlay, and how to remove the session's
   * objects everywhere. Unset: one engine holds everything (a bridge network).
   */
  cluster?: ClusterPlacement;
  /** How long the creation waited for its turn (the factory's gate), for the timings line. */
  queuedMs?: number;
  /** When the sandbox's engine may start (EngineStarts.run); unset: at once. */
  engineTurn?: (start: () => Promise<void>) => Promise<void>;
}

/**
 * Creates and starts a session's sandbox, reporting phases. It is handed out once its container runs;
 * its `engineReady` settles once its own engine answers (or fails to).
 * On any failure everything created so far is removed before the error is rethrown.
 */
export async function createSandbox(engine: Engine, sessionId: string, settings: SandboxSettings, opts: CreateSandboxOptions = {}): Promise<Sandbox> {
  const phase = opts.onPhase ?? (() => undefined);
  const names = sandboxNames(sessionId);
  const labels = projectLabels({ [LABELS.session]: sessionId, [LABELS.instance]: settings.instance });
  const cluster = opts.cluster;
  if (!(await engine.imagePresent(settings.image))) await pullSandboxImage(engine, settings.image, phase);
  phase({ phase: 'creating-sandbox', message: cluster ? `Creating your sandbox on node ${cluster.nodeName}` : 'Creating your sandbox' });
  const steps = new StepTimer();
  try {
    const subnets = settings.subnets ? subnetCandidates(settings.subnets, sessionId) : [];
    // A stuck overlay is made again in a subnet not tried yet (start-on-overlay.ts).
    const triedSubnets = new Set<string>();
    const makeOverlay = async (manager: Engine) => {
      const subnet = await createOverlayNetwork(
        manager,
        names.network,
        labels,
        subnets.filter((s) => !triedSubnets.has(s)),
      );
      if (subnet) triedSubnets.add(subnet);
      return subnet;
    };
    const subnet = cluster ? await makeOverlay(cluster.manager) : await createSessionNetwork(engine, names.network, labels, subnets);
    steps.lap('network');
    // On one host the registries join the network while the container is made: each join is an
    // engine round trip of its own, and under a burst of new sessions these steps were most of a
    // creation. On a node each join waits for the manager's overlay too (onOverlay), and only once
    // the sandbox has started there: a start may remove and remake a stuck overlay
    // (start-on-overlay.ts), which a registry already joined to it would hold in use.
    const join = (a: { container: string; alias: string }) => () => engine.connectNetwork(names.network, a.container, [a.alias]);
    const overlay = { logger: opts.logger, onPhase: phase };
    const joinAll = () =>
      Promise.all(
        (opts.attach ?? []).map((a) => (cluster ? onOverlay(cluster.nodeName, join(a), { ...overlay, step: `join ${a.alias}` }) : join(a)())),
      );
    const attached = cluster ? undefined : joinAll();
    attached?.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled meanwhile
    if (settings.mode === 'isolated') {
      await engine.createVolume(names.volume, labels);
    }
    const spec = sandboxCreateOptions(sessionId, settings);
    let containerId: string;
    if (cluster) {
      spec.Labels = { ...spec.Labels, [LABELS.node]: cluster.nodeId };
      containerId = await startOnOverlay({
        engine,
        manager: cluster.manager,
        nodeName: cluster.nodeName,
        network: names.network,
        makeNetwork: () => makeOverlay(cluster.manager),
        subnet,
        spec,
        created: cluster.created,
        lap: (step) => steps.lap(step),
        wait: overlay,
      });
    } else {
      containerId = await engine.createContainer(spec);
      steps.lap('create');
      await engine.startContainer(containerId);
      steps.lap('start');
    }
    const address = (await engine.containerState(containerId)).networks[names.network]?.address;
    const sandbox = new Sandbox(engine, sessionId, containerId, address, sandboxExecIdentity(settings), cluster);
    if (opts.install) await sandbox.putFiles(opts.install.dir, opts.install.files, sandboxFileOwner(settings));
    steps.lap('install');
    await (attached ?? joinAll());
    steps.lap('attach');
    phase({ phase: 'starting-engine', message: settings.mode === 'host' ? 'Connecting to the host engine' : 'Starting its Docker engine' });
    // Handed out now, while its engine starts: a Run that needs no engine does not wait for one,
    // and `docker` waits for it in the sandbox (docker-wrapper.ts). Under a burst of new sessions
    // the engine's start-up was a third of each creation's time in the factory's gate.
    const turn = opts.engineTurn ?? ((start) => start());
    sandbox.engineReady = turn(() => {
      steps.lap('engine-turn');
      return waitForEngine(sandbox, opts.engineStartTimeoutMs ?? 60_000);
    }).then(
      () => {
        steps.lap('engine');
        opts.logger?.info(`Sandbox engine ready: ${steps.last(2)}`);
      },
      async (err: unknown) => {
        // A sandbox killed or removed meanwhile has no engine to wait for: nothing to report.
        if (await sandbox.running()) opts.logger?.warn('the sandbox engine did not start', err);
        throw err;
      },
    );
    // Whoever needs the engine awaits this; a failure nobody awaits was logged just above.
    sandbox.engineReady.catch(() => undefined);
    opts.logger?.info(`Sandbox made: queued ${Math.round(opts.queuedMs ?? 0)} ms, ${steps}`);
    phase({ phase: 'ready', message: 'Sandbox ready (docker commands wait for its engine while it starts)' });
    return sandbox;
  } catch (err) {
    await (cluster ? cluster.removeObjects() : removeSessionObjects(engine, sessionId)).catch((e: unknown) =>
      opts.logger?.warn('could not remove what a failed sandbox creation left (the next start-up sweeps it)', e),
    );
    // An image built before rootless sandboxes has no user to run as: say how to get a current one.
    if (/unable to find user/.test((err as Error).message)) {
      throw new Error(
        `The sandbox image ${settings.image} has no user for rootless sandboxes (it was built from an older recipe). ` +
          'Rebuild it with `sudo bash scripts/build-images.sh`, or set SANDBOX_ISOLATION=rootful.',
      );
    }
    throw err;
  }
}

/** Creates the session's network in the first free small subnet (or the engine's default pool); returns the subnet. */
async function createSessionNetwork(
  engine: Engine,
  name: string,
  labels: Record<string, string>,
  subnets: string[],
  driver: 'bridge' | 'overlay' = 'bridge',
): Promise<string | undefined> {
  if (subnets.length === 0) {
    await engine.createNetwork(name, labels, undefined, driver);
    return undefined;
  }
  let last: unknown;
  for (const subnet of subnets) {
    try {
      await engine.createNetwork(name, labels, subnet, driver);
      return subnet;
    } catch (err) {
      last = err;
      // Taken by another network: try the next block.
      if (!/overlap|in use|already/i.test((err as Error).message)) throw err;
    }
  }
  throw new Error(`No free subnet for the session network in SANDBOX_SUBNETS (${(last as Error)?.message ?? 'all taken'}).`);
}

/**
 * The session's network on a cluster: an attachable overlay made through the manager, so the
 * sandbox can be on any node. One left by a sandbox whose node went down is taken over: the
 * manager keeps it until it drops that node's endpoint, and it is this session's own. Returns the
 * new overlay's subnet (undefined when one was taken over).
 */
async function createOverlayNetwork(manager: Engine, name: string, labels: Record<string, string>, subnets: string[]): Promise<string | undefined> {
  if ((await manager.listLabelled(labels)).networks.length > 0) return undefined;
  return createSessionNetwork(manager, name, labels, subnets, 'overlay');
}

/** Pulls the sandbox image, its progress as a phase; a failed pull says how to get the image without a registry. */
async function pullSandboxImage(engine: Engine, image: string, phase: (p: Phase) => void): Promise<void> {
  phase({ phase: 'pulling-image', message: `Pulling ${image}`, percent: 0 });
  try {
    await engine.pull(image, (percent) => phase({ phase: 'pulling-image', message: `Pulling ${image}`, percent }));
  } catch (err) {
    throw new ImageMissingError(
      image,
      `The sandbox image ${image} is not in the engine and could not be pulled (${(err as Error).message.split('\n')[0]}). ` +
        'Build it without a registry with `sudo bash scripts/build-images.sh`, or set SANDBOX_IMAGE.',
    );
  }
}
