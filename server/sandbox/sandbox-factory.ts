import type { Config } from '../config.ts';
import type { Engine } from '../docker/engine.ts';
import { LABELS } from '../docker/labels.ts';
import type { SiteRegistry } from '../registry/site-registry.ts';
import type { SandboxFactory } from '../sessions/session.ts';
import { probePrivilege } from './privilege-probe.ts';
import { SESSION_SHELL_FILES } from '../runs/session-shell.ts';
import { createSandbox } from './sandbox.ts';
import { lineLogger } from '../logger.ts';
import type { SandboxSettings } from './sandbox-settings.ts';

const MIRROR_ALIAS = 'registry-mirror:5000';
const CREATE_AT_ONCE = 4;

/** A counting semaphore that tells waiters how many are ahead of them. */
class Slots {
  readonly #max: number;
  #busy = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number) {
    this.#max = max;
  }

  async acquire(onWait: (ahead: number) => void): Promise<void> {
    if (this.#busy < this.#max) {
      this.#busy++;
      return;
    }
    onWait(this.#waiting.length + 1);
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy--;
  }
}

/**
 * Makes sandboxes with settings worked out once, on first use (the engine may be down at
 * start-up): privileged or the capability list, and which registry mirror the inner engines use.
 */
export function sandboxFactory(
  engine: Engine,
  config: Config,
  log: (line: string) => void,
  registry: Pick<SiteRegistry, 'attach' | 'insecure'> = { attach: [], insecure: [] },
): SandboxFactory {
  let resolved: Promise<{ settings: SandboxSettings; attach: Array<{ container: string; alias: string }> }> | undefined;

  async function resolve() {
    let privilege: SandboxSettings['privilege'] = 'capabilities';
    // The isolation itself is logged at start-up (main.ts); rootful sandboxes also need the probe.
    if (config.sandboxMode === 'isolated' && config.sandboxIsolation === 'rootful') {
      if (config.sandboxPrivilege === 'auto') {
        // Labelled with the instance, so the start-up sweep removes it if the server dies meanwhile.
        const probe = await probePrivilege(engine, config.sandboxImage, { [LABELS.role]: 'probe', [LABELS.instance]: config.instance });
        privilege = probe.privilege;
        // Not an error: a kernel that refuses --privileged is common, and the capability list is the planned way round it.
        log(
          privilege === 'privileged'
            ? `Rootful sandboxes run --privileged (${probe.reason}).`
            : `Rootful sandboxes get an explicit capability list, the usual way on a kernel that does not allow --privileged (${probe.reason}).`,
        );
      } else {
        privilege = config.sandboxPrivilege;
        log(`Sandboxes run ${privilege === 'privileged' ? '--privileged' : 'with an explicit capability list'} (SANDBOX_PRIVILEGE).`);
      }
    } else if (config.sandboxMode === 'host') {
      log('WARNING: SANDBOX_MODE=host: commands run against the host engine itself, not an isolated one.');
    }
    let registryMirror = config.registryMirror;
    const attach: Array<{ container: string; alias: string }> = [];
    const insecure = [...config.insecureRegistries, ...registry.insecure];
    if (!registryMirror && config.sandboxMode === 'isolated' && (await engine.containerRunning(config.mirrorContainer))) {
      attach.push({ container: config.mirrorContainer, alias: MIRROR_ALIAS.split(':')[0]! });
      registryMirror = `http://${MIRROR_ALIAS}`;
      insecure.push(MIRROR_ALIAS);
      log(`Sandbox engines pull through the local registry mirror (container ${config.mirrorContainer}).`);
    }
    for (const a of config.attachContainers) {
      if (await engine.containerRunning(a.container)) attach.push(a);
      else log(`Warning: ATTACH_CONTAINERS names ${a.container}, which is not running; sandboxes will not reach ${a.alias}.`);
    }
    for (const a of registry.attach) {
      if (await engine.containerRunning(a.container)) attach.push(a);
      else log(`Warning: the local registry ${a.container} stopped since start-up; \$REGISTRY (${a.alias}) will not answer. Start it again with scripts/build-images.sh.`);
    }
    if (config.sandboxMode === 'host' && config.docker.kind !== 'unix') {
      throw new Error('SANDBOX_MODE=host needs the engine on a local unix socket (DOCKER_HOST=unix://...).');
    }
    const settings: SandboxSettings = {
      instance: config.instance,
      image: config.sandboxImage,
      mode: config.sandboxMode,
      isolation: config.sandboxIsolation,
      privilege,
      limits: config.limits,
      subnets: config.sandboxSubnets,
      registryMirror,
      insecureRegistries: insecure,
      hostSocket: config.docker.kind === 'unix' ? config.docker.socketPath : undefined,
    };
    return { settings, attach };
  }

  // Making a sandbox is heavy for the engine: a few at a time, the rest wait their turn (and say so).
  const slots = new Slots(CREATE_AT_ONCE);

  return async (sessionId, onPhase) => {
    resolved ??= resolve();
    resolved.catch(() => (resolved = undefined));
    const { settings, attach } = await resolved;
    await slots.acquire((ahead) => onPhase({ phase: 'creating-sandbox', message: `Waiting to create your sandbox (${ahead} ahead)` }));
    try {
      return await createSandbox(engine, sessionId, settings, {
      onPhase,
      attach,
        install: { dir: '/run', files: SESSION_SHELL_FILES.map((f) => ({ ...f, path: `rdn/${f.path}` })) },
        logger: lineLogger(log, { session: sessionId }),
      });
    } finally {
      slots.release();
    }
  };
}
