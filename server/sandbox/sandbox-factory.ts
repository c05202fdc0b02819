import type { Engine } from '../docker/engine.ts';
import { LABELS } from '../docker/labels.ts';
import { probePrivilege } from './privilege-probe.ts';
import { createSandbox } from './create-sandbox.ts';
import { EngineStarts } from './engine-starts.ts';
import { Slots } from './slots.ts';
import { lineLogger } from '../logger.ts';
import type { SandboxIsolation, SandboxLimits, SandboxMode, SandboxSettings } from './sandbox-settings.ts';
import type { Phase, SessionSandbox } from './session-sandbox.ts';
import type { SandboxFile } from './tar-files.ts';

/** Makes the sandbox of a session, reporting phases. */
export type SandboxFactory = (sessionId: string, onPhase: (p: Phase) => void) => Promise<SessionSandbox>;

/** A container on the host engine joined to every session network, reachable there by its alias. */
export interface AttachedContainer {
  container: string;
  alias: string;
}

/** What the factory needs to know, picked out of the configuration by main.ts. */
export interface SandboxFactoryOptions {
  instance: string;
  image: string;
  mode: SandboxMode;
  isolation: SandboxIsolation;
  /** `auto`: rootful sandboxes probe the engine once. */
  privilege: 'auto' | SandboxSettings['privilege'];
  limits: SandboxLimits;
  subnets: string | undefined;
  /** The inner engines' mirror; when unset and `mirrorContainer` runs, that container is used. */
  registryMirror: string | undefined;
  mirrorContainer: string;
  insecureRegistries: string[];
  attachContainers: AttachedContainer[];
  /** The host engine's unix socket, bound into host-mode sandboxes (start-up refuses host mode without one). */
  hostSocket: string | undefined;
  /** Files installed in every sandbox before it is handed out (paths relative to `dir`). */
  install: { dir: string; files: SandboxFile[] };
}

/** Where a sandbox's inner engine finds its registry mirror, on its session network. */
export const MIRROR_ALIAS = 'registry-mirror:5000';
/**
 * Measured with 50 sessions at once (bench section 5): 8 at a time was no faster than 4, each step
 * just took twice as long. The engine makes networks and their endpoints one at a time, so that is
 * the limit, not this gate.
 */
const CREATE_AT_ONCE = 4;
/**
 * Sandbox engines starting at once once no sandbox waits to be made (one at a time before). With
 * 50 sessions at once, starting each engine as soon as its container ran made every creation wait
 * for CPU: the engines' start-ups are about half of a sandbox's CPU (bench section 5).
 */
const ENGINE_STARTS_AT_ONCE = 4;

/**
 * Makes sandboxes with settings worked out once, on first use (the engine may be down at
 * start-up): privileged or the capability list, and which registry mirror the inner engines use.
 */
export function sandboxFactory(
  engine: Engine,
  opts: SandboxFactoryOptions,
  log: (line: string) => void,
  /** The site registry's containers to attach, and registries to reach over plain HTTP. */
  registry: { attach: AttachedContainer[]; insecure: string[] } = { attach: [], insecure: [] },
): SandboxFactory {
  let resolved: Promise<{ settings: SandboxSettings; attach: AttachedContainer[] }> | undefined;

  async function resolve() {
    let privilege: SandboxSettings['privilege'] = 'capabilities';
    // The isolation itself is logged at start-up (main.ts); rootful sandboxes also need the probe.
    if (opts.mode === 'isolated' && opts.isolation === 'rootful') {
      if (opts.privilege === 'auto') {
        // Labelled with the instance, so the start-up sweep removes it if the server dies meanwhile.
        const probe = await probePrivilege(engine, opts.image, { [LABELS.role]: 'probe', [LABELS.instance]: opts.instance });
        privilege = probe.privilege;
        // Not an error: a kernel that refuses --privileged is common, and the capability list is the planned way round it.
        log(
          privilege === 'privileged'
            ? `Rootful sandboxes run --privileged (${probe.reason}).`
            : `Rootful sandboxes get an explicit capability list, the usual way on a kernel that does not allow --privileged (${probe.reason}).`,
        );
      } else {
        privilege = opts.privilege;
        log(`Sandboxes run ${privilege === 'privileged' ? '--privileged' : 'with an explicit capability list'} (SANDBOX_PRIVILEGE).`);
      }
    } else if (opts.mode === 'host') {
      log('WARNING: SANDBOX_MODE=host: commands run against the host engine itself, not an isolated one.');
    }
    let registryMirror = opts.registryMirror;
    const attach: AttachedContainer[] = [];
    const insecure = [...opts.insecureRegistries, ...registry.insecure];
    if (!registryMirror && opts.mode === 'isolated' && (await engine.containerRunning(opts.mirrorContainer))) {
      attach.push({ container: opts.mirrorContainer, alias: MIRROR_ALIAS.split(':')[0]! });
      registryMirror = `http://${MIRROR_ALIAS}`;
      insecure.push(MIRROR_ALIAS);
      log(`Sandbox engines pull through the local registry mirror (container ${opts.mirrorContainer}).`);
    }
    for (const a of opts.attachContainers) {
      if (await engine.containerRunning(a.container)) attach.push(a);
      else log(`Warning: ATTACH_CONTAINERS names ${a.container}, which is not running; sandboxes will not reach ${a.alias}.`);
    }
    for (const a of registry.attach) {
      if (await engine.containerRunning(a.container)) attach.push(a);
      else
        log(
          `Warning: the local registry ${a.container} stopped since start-up; $REGISTRY (${a.alias}) will not answer. Start it again with scripts/build-images.sh.`,
        );
    }
    const settings: SandboxSettings = {
      instance: opts.instance,
      image: opts.image,
      mode: opts.mode,
      isolation: opts.isolation,
      privilege,
      limits: opts.limits,
      subnets: opts.subnets,
      registryMirror,
      insecureRegistries: insecure,
      hostSocket: opts.hostSocket,
    };
    return { settings, attach };
  }

  // Making a sandbox is heavy for the engine: a few at a time, the rest wait their turn (and say so).
  const slots = new Slots(CREATE_AT_ONCE);
  const engines = new EngineStarts(ENGINE_STARTS_AT_ONCE, () => slots.waiting);

  return async (sessionId, onPhase) => {
    resolved ??= resolve();
    resolved.catch(() => (resolved = undefined));
    const { settings, attach } = await resolved;
    const queued = performance.now();
    await slots.acquire((ahead) => onPhase({ phase: 'creating-sandbox', message: `Waiting to create your sandbox (${ahead} ahead)` }));
    try {
      return await createSandbox(engine, sessionId, settings, {
        onPhase,
        attach,
        install: opts.install,
        logger: lineLogger(log, { session: sessionId }),
        queuedMs: performance.now() - queued,
        engineTurn: (start) => engines.run(start),
      });
    } finally {
      slots.release();
      engines.wake();
    }
  };
}
