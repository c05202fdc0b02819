import type Docker from 'dockerode';
import { LABELS, projectLabels } from '../docker/labels.ts';
import type { SandboxSettings } from './sandbox-settings.ts';

/**
 * Every capability an inner dockerd may need except CAP_SYS_RESOURCE, which some kernels' bounding
 * set lacks (where `--privileged` then fails with "unable to apply caps").
 */
export const DIND_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE',
  'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
] as const;

export const WORKSPACE = '/workspace';

const SESSION_ID = /^[a-zA-Z0-9-]{1,64}$/;

/** Names of the per-session objects, derived from the session id only (server-made, checked here). */
export function sandboxNames(sessionId: string) {
  if (!SESSION_ID.test(sessionId)) throw new Error(`Not a session id: ${JSON.stringify(sessionId.slice(0, 80))}`);
  const short = sessionId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 12);
  return {
    container: `rdn-sandbox-${short}`,
    network: `rdn-net-${short}`,
    volume: `rdn-engine-${short}`,
  };
}

/**
 * The fixed create options of a sandbox container. Only the session id and server configuration
 * go in; request text never does (the user's command only ever runs inside the container).
 */
export function sandboxCreateOptions(sessionId: string, s: SandboxSettings): Docker.ContainerCreateOptions {
  const names = sandboxNames(sessionId);
  const labels = projectLabels({ [LABELS.session]: sessionId, [LABELS.instance]: s.instance, [LABELS.role]: 'sandbox' });
  const limits = {
    Memory: s.limits.memoryBytes,
    MemorySwap: s.limits.memoryBytes,
    NanoCpus: s.limits.nanoCpus,
    PidsLimit: s.limits.pids,
  };
  const common = {
    Image: s.image,
    name: names.container,
    Hostname: 'sandbox',
    Labels: labels,
    WorkingDir: WORKSPACE,
    Tty: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
  };
  if (s.mode === 'host') {
    // Host mode: no inner engine; the docker CLI inside talks to the host's engine.
    return {
      ...common,
      Env: ['RDN_ENGINE=host'],
      HostConfig: {
        ...limits,
        NetworkMode: names.network,
        Binds: [`${s.hostSocket ?? '/var/run/docker.sock'}:/var/run/docker.sock`],
      },
    };
  }
  const env = ['RDN_ENGINE=isolated'];
  if (s.registryMirror) env.push(`RDN_REGISTRY_MIRROR=${s.registryMirror}`);
  if (s.insecureRegistries.length) env.push(`RDN_INSECURE_REGISTRIES=${s.insecureRegistries.join(' ')}`);
  const rights =
    s.privilege === 'privileged'
      ? { Privileged: true }
      : {
          CapAdd: [...DIND_CAPABILITIES],
          SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
          // cgroup v1: the inner dockerd needs the cgroup tree writable (privileged mode mounts it so).
          Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
        };
  return {
    ...common,
    Env: env,
    HostConfig: {
      ...rights,
      ...limits,
      NetworkMode: names.network,
      // The inner engine's storage on a volume: on the container's own root it falls back to slow vfs.
      Mounts: [{ Type: 'volume', Source: names.volume, Target: '/var/lib/docker' }],
    },
  };
}
