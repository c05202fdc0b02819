import type { ContainerSpec } from '../docker/engine-types.ts';
import { LABELS, projectLabels } from '../docker/labels.ts';
import type { SandboxSettings } from './sandbox-settings.ts';
import { WRAPPER_BIN_DIR } from './docker-wrapper.ts';

/**
 * Rootful only: every capability an inner root dockerd may need except CAP_SYS_RESOURCE, which
 * some kernels' bounding set lacks (where `--privileged` then fails with "unable to apply caps").
 */
export const DIND_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
] as const;

export const WORKSPACE = '/workspace';

/** The unprivileged user of a rootless sandbox (made in the image with its subordinate ids). */
export const ROOTLESS_USER = { name: 'rdn', uid: 1000, home: '/home/rdn' } as const;
const ROOTLESS_RUNTIME_DIR = `/run/user/${ROOTLESS_USER.uid}`;
/** Where the rootless engine keeps its images and containers: the session's volume goes there. */
const ROOTLESS_DATA_ROOT = `${ROOTLESS_USER.home}/.local/share/docker`;

/**
 * The capabilities a rootless sandbox adds to Docker's defaults: only SYS_ADMIN, which newuidmap
 * needs to write the engine's multi-range id map. Its root (the entrypoint) is the only holder.
 */
export const ROOTLESS_CAPABILITIES = ['SYS_ADMIN'] as const;

/** The image's PATH with the `docker` wrapper's folder first (docker-wrapper.ts). */
const EXEC_PATH = `PATH=${WRAPPER_BIN_DIR}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

/**
 * Who every exec in the sandbox runs as, and the environment that says where its engine is:
 * in a rootless sandbox the unprivileged user, whose `docker` talks to the rootless engine.
 */
export function sandboxExecIdentity(s: Pick<SandboxSettings, 'mode' | 'isolation'>): { user: string | undefined; env: string[] } {
  if (s.mode === 'host' || s.isolation === 'rootful') return { user: undefined, env: [EXEC_PATH] };
  return {
    user: ROOTLESS_USER.name,
    env: [
      EXEC_PATH,
      `HOME=${ROOTLESS_USER.home}`,
      `USER=${ROOTLESS_USER.name}`,
      `XDG_RUNTIME_DIR=${ROOTLESS_RUNTIME_DIR}`,
      `DOCKER_HOST=unix://${ROOTLESS_RUNTIME_DIR}/docker.sock`,
    ],
  };
}

/** The owner of files the server installs into a sandbox (the reader's user where there is one). */
export function sandboxFileOwner(s: Pick<SandboxSettings, 'mode' | 'isolation'>): { uid: number; gid: number } {
  return sandboxExecIdentity(s).user ? { uid: ROOTLESS_USER.uid, gid: ROOTLESS_USER.uid } : { uid: 0, gid: 0 };
}

const SESSION_ID = /^[a-zA-Z0-9-]{1,64}$/;

/** Session networks' names start with this: `z` is the last character a network name may start with. */
export const SESSION_NETWORK_PREFIX = 'zz-rdn-net-';

/** Names of the per-session objects, derived from the session id only (server-made, checked here). */
export function sandboxNames(sessionId: string) {
  if (!SESSION_ID.test(sessionId)) throw new Error(`Not a session id: ${JSON.stringify(sessionId.slice(0, 80))}`);
  const short = sessionId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 12);
  return {
    container: `rdn-sandbox-${short}`,
    // Sorts after every other network of the containers attached to it (ATTACH_CONTAINERS: the
    // notes container, the registries): Docker 20.10 makes the attached network whose name sorts
    // first a container's gateway and moves its published ports there, restarting their proxy.
    // Under `rdn-net-` (before compose's `runnable-docker-notes`) each new session dropped every
    // connection the browsers had open to the notes container, and the next request failed.
    network: `${SESSION_NETWORK_PREFIX}${short}`,
    volume: `rdn-engine-${short}`,
  };
}

/**
 * What a container running a root dockerd needs: `--privileged`, or where the kernel refuses that,
 * the capability list with seccomp and AppArmor off and the cgroup tree writable. Also used for the
 * test cluster's engine nodes, which are Docker-in-Docker of the same kind.
 */
export function rootfulRights(privilege: SandboxSettings['privilege']): ContainerSpec['HostConfig'] {
  if (privilege === 'privileged') return { Privileged: true };
  return {
    CapAdd: [...DIND_CAPABILITIES],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    // cgroup v1: the inner dockerd needs the cgroup tree writable (privileged mode mounts it so).
    Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
  };
}

/**
 * The fixed create options of a sandbox container. Only the session id and server configuration
 * go in; request text never does (the user's command only ever runs inside the container).
 */
export function sandboxCreateOptions(sessionId: string, s: SandboxSettings): ContainerSpec {
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
  const env = [`RDN_ENGINE=${s.isolation}`];
  if (s.registryMirror) env.push(`RDN_REGISTRY_MIRROR=${s.registryMirror}`);
  if (s.insecureRegistries.length) env.push(`RDN_INSECURE_REGISTRIES=${s.insecureRegistries.join(' ')}`);
  if (s.isolation === 'rootless') {
    return {
      ...common,
      Env: [...env, ...sandboxExecIdentity(s).env.filter((e) => e.startsWith('DOCKER_HOST='))],
      HostConfig: {
        ...limits,
        CapAdd: [...ROOTLESS_CAPABILITIES],
        // rootlesskit and the engine's runc mount proc and sysfs in their own namespaces, which
        // Docker's masked /proc paths and default seccomp/AppArmor profiles would refuse.
        SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
        // `--security-opt systempaths=unconfined` in the API's terms: no masked or read-only /proc paths.
        MaskedPaths: [],
        ReadonlyPaths: [],
        // slirp4netns: the inner engine's network reaches out through a tap device.
        Devices: [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }],
        // `docker run -p 80:80` binds port 80 as the unprivileged user (rootlesskit's port driver).
        Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
        NetworkMode: names.network,
        // The engine's storage on a volume (overlay2 there; on the container's own root it would be vfs).
        Mounts: [{ Type: 'volume', Source: names.volume, Target: ROOTLESS_DATA_ROOT }],
      },
    };
  }
  return {
    ...common,
    Env: env,
    HostConfig: {
      ...rootfulRights(s.privilege),
      ...limits,
      NetworkMode: names.network,
      // The inner engine's storage on a volume: on the container's own root it falls back to slow vfs.
      Mounts: [{ Type: 'volume', Source: names.volume, Target: '/var/lib/docker' }],
    },
  };
}
