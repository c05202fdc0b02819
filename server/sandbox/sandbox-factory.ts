import type { Config } from '../config.ts';
import type { Engine } from '../docker/engine.ts';
import { LABELS } from '../docker/labels.ts';
import type { SandboxFactory } from '../sessions/session.ts';
import { probePrivilege } from './privilege-probe.ts';
import { SESSION_SHELL_FILES } from '../runs/session-shell.ts';
import { createSandbox } from './sandbox.ts';
import type { SandboxSettings } from './sandbox-settings.ts';

const MIRROR_ALIAS = 'registry-mirror:5000';

/**
 * Makes sandboxes with settings worked out once, on first use (the engine may be down at
 * start-up): privileged or the capability list, and which registry mirror the inner engines use.
 */
export function sandboxFactory(engine: Engine, config: Config, log: (line: string) => void): SandboxFactory {
  let resolved: Promise<{ settings: SandboxSettings; attach: Array<{ container: string; alias: string }> }> | undefined;

  async function resolve() {
    let privilege: SandboxSettings['privilege'] = 'capabilities';
    if (config.sandboxMode === 'isolated') {
      if (config.sandboxPrivilege === 'auto') {
        const probe = await probePrivilege(engine, config.sandboxImage, { [LABELS.role]: 'probe' });
        privilege = probe.privilege;
        log(`Sandboxes run ${privilege === 'privileged' ? '--privileged' : 'with an explicit capability list'}: ${probe.reason}.`);
      } else {
        privilege = config.sandboxPrivilege;
        log(`Sandboxes run ${privilege === 'privileged' ? '--privileged' : 'with an explicit capability list'} (SANDBOX_PRIVILEGE).`);
      }
    } else {
      log('WARNING: SANDBOX_MODE=host: commands run against the host engine itself, not an isolated one.');
    }
    let registryMirror = config.registryMirror;
    const attach: Array<{ container: string; alias: string }> = [];
    const insecure = [...config.insecureRegistries];
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
    if (config.sandboxMode === 'host' && config.docker.kind !== 'unix') {
      throw new Error('SANDBOX_MODE=host needs the engine on a local unix socket (DOCKER_HOST=unix://...).');
    }
    const settings: SandboxSettings = {
      instance: config.instance,
      image: config.sandboxImage,
      mode: config.sandboxMode,
      privilege,
      limits: config.limits,
      subnets: config.sandboxSubnets,
      registryMirror,
      insecureRegistries: insecure,
      hostSocket: config.docker.kind === 'unix' ? config.docker.socketPath : undefined,
    };
    return { settings, attach };
  }

  return async (sessionId, onPhase) => {
    resolved ??= resolve();
    resolved.catch(() => (resolved = undefined));
    const { settings, attach } = await resolved;
    return createSandbox(engine, sessionId, settings, {
      onPhase,
      attach,
      install: { dir: '/run', files: SESSION_SHELL_FILES.map((f) => ({ ...f, path: `rdn/${f.path}` })) },
    });
  };
}
