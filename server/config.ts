import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseDockerHost, type DockerConnection } from './docker/docker-host.ts';
import { isLoopback } from './security/host-check.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const MiB = 1024 * 1024;
const list = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(/[\s,]+/).filter(Boolean));
const bytes = z
  .string()
  .regex(/^\d+(\.\d+)?\s*([kKmMgG]i?[bB]?)?$/, 'a size such as 512m, 2g or 1048576')
  .transform((s) => {
    const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG])?/.exec(s)!;
    const unit = { k: 1024, m: MiB, g: 1024 * MiB }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
    return Math.round(Number(m[1]) * unit);
  });
const ms = z.coerce.number().int().min(0);

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4321),
  TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  NOTES_PASSWORD_HASH: z
    .string()
    .regex(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/, 'a hash made by `node server/hash-password.ts`')
    .optional(),
  // Empty counts as unset: compose passes `${INSTRUCTOR_PASSWORD_HASH:-}` for a class without instructors.
  INSTRUCTOR_PASSWORD_HASH: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/, 'a hash made by `node server/hash-password.ts`')
      .optional(),
  ),
  TRUSTED_PROXY_INSTRUCTORS: list,
  WORKSHOP_DB: z.string().min(1).optional(),
  WORKSHOP_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  WARM_POOL_MAX: z.coerce.number().int().min(0).max(100).default(10),
  TRUSTED_PROXY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name such as X-Forwarded-User')
    .optional(),
  TRUSTED_PROXIES: list,
  MAX_SESSIONS_PER_USER: z.coerce.number().int().min(1).default(3),
  ALLOWED_HOSTS: list,
  SANDBOX_IMAGE: z.string().min(1).default('runnable-docker-notes/sandbox:latest'),
  SANDBOX_MODE: z.enum(['isolated', 'host']).default('isolated'),
  SANDBOX_ISOLATION: z.enum(['rootless', 'rootful']).default('rootless'),
  SANDBOX_ROOTFUL_HOSTED: z.enum(['0', '1']).default('0'),
  SANDBOX_PRIVILEGE: z.enum(['auto', 'privileged', 'capabilities']).default('auto'),
  SANDBOX_MEMORY: bytes.default(2 * 1024 * MiB),
  SANDBOX_CPUS: z.coerce.number().positive().max(64).default(1.5),
  SANDBOX_PIDS: z.coerce.number().int().min(64).default(1024),
  REGISTRY_MIRROR: z.string().url().optional(),
  MIRROR_CONTAINER: z.string().default('runnable-docker-notes-mirror'),
  INSECURE_REGISTRIES: list,
  SANDBOX_SUBNETS: z
    .string()
    .regex(/^(\d+)\.(\d+)\.0\.0\/16$/, 'a /16 such as 10.213.0.0/16, or "default"')
    .or(z.literal('default'))
    .default('10.213.0.0/16'),
  ATTACH_CONTAINERS: list,
  NOTES_REGISTRY: z
    .string()
    .regex(/^[\w.-]+(:\d+)?$/, 'a registry host such as docker.io or registry.example:5000')
    .optional(),
  AUTH_REGISTRY_CONTAINER: z
    .string()
    .regex(/^[\w.-]{1,128}$/, 'a container name')
    .default('runnable-docker-notes-auth-registry'),
  RDN_STATE_DIR: z.string().min(1).optional(),
  XDG_STATE_HOME: z.string().min(1).optional(),
  HOME: z.string().min(1).optional(),
  MAX_SESSIONS: z.coerce.number().int().min(1).default(20),
  WARM_POOL: z.coerce.number().int().min(0).max(100).default(1),
  RUN_OUTPUT_BYTES: bytes.default(1 * MiB),
  RUN_DETACHED_GRACE_MS: ms.default(10 * 60_000),
  STOP_GRACE_MS: ms.default(150),
  RUN_TIMEOUT_MS: ms.default(10 * 60_000),
  RUN_TIMEOUT_MAX_MS: ms.default(2 * 3600_000),
  SESSION_IDLE_MS: ms.min(1000).default(30 * 60_000),
  INSTANCE: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'letters, digits, _ . -')
    .default('local'),
  SITE_DIR: z.string().min(1).default(path.join(projectRoot, 'dist')),
  DOCKER_HOST: z.string().optional(),
  DOCKER_TLS_VERIFY: z.string().optional(),
  DOCKER_CERT_PATH: z.string().optional(),
  SSH_AUTH_SOCK: z.string().optional(),
  MAX_SESSIONS_PER_ADDRESS: z.coerce.number().int().min(1).optional(),
  DISK_FREE_MIN: bytes.default(2 * 1024 * MiB),
  DISK_CHECK_MS: ms.min(500).default(30_000),
  // Several hosts: a Swarm manager's Engine API (unset: one engine, DOCKER_HOST, as always).
  CLUSTER_MANAGER: z.string().min(1).optional(),
  CLUSTER_TLS_DIR: z.string().min(1).optional(),
  // The registry each node's pull-through cache reads from (unset: no node mirrors).
  CLUSTER_MIRROR_UPSTREAM: z.string().url().optional(),
});

/** Everything the server reads from its environment, validated once at start-up. */
export interface Config {
  host: string;
  port: number;
  /** Pinned API token; a random one is made per process when unset. */
  token: string | undefined;
  /** Host names accepted in the Host header besides loopback names and addresses. */
  allowedHosts: string[];
  /** Hosted mode with a shared password: its scrypt hash. */
  passwordHash: string | undefined;
  /** Hosted mode behind an authenticating proxy: the header naming the user, and the proxies' addresses. */
  trustedProxyHeader: string | undefined;
  trustedProxies: string[];
  /** Workshop: the instructors' password (password mode), or the proxy-named users who are instructors. */
  instructorPasswordHash: string | undefined;
  trustedProxyInstructors: string[];
  /** Workshop: the SQLite file of progress, roles, time limits and messages, in the state folder. */
  workshopDb: string;
  /** Workshop rows older than this many days are deleted at start-up. */
  workshopRetentionDays: number;
  /** The most sandboxes an instructor's class size may keep in the warm pool. */
  warmPoolMax: number;
  maxSessionsPerUser: number;
  sandboxImage: string;
  /** `host`: runs act on the host's engine itself (a local single user's choice). */
  sandboxMode: 'isolated' | 'host';
  /** Who runs the inner engine and the reader's commands: an unprivileged user (rootless) or root. */
  sandboxIsolation: 'rootless' | 'rootful';
  sandboxPrivilege: 'auto' | 'privileged' | 'capabilities';
  limits: { memoryBytes: number; nanoCpus: number; pids: number };
  /** Mirror URL for the inner engines; when unset and MIRROR_CONTAINER runs, that container is used. */
  registryMirror: string | undefined;
  mirrorContainer: string;
  insecureRegistries: string[];
  /** The /16 session networks take their /28 from; undefined: the engine's own pools. */
  sandboxSubnets: string | undefined;
  /** Containers on the host engine joined to every session network, reachable there by alias. */
  attachContainers: Array<{ container: string; alias: string }>;
  /** NOTES_REGISTRY: the registry the pages push to; unset, the local auth registry when it runs, else docker.io. */
  notesRegistry: string | undefined;
  /** The local auth registry's container and its generated credentials (scripts/build-images.sh). */
  authRegistryContainer: string;
  authRegistryCredentials: string;
  maxSessions: number;
  /** Sandboxes kept ready for new sessions. */
  warmPool: number;
  /** Bytes of output kept per run; older bytes are dropped beyond it. */
  runOutputBytes: number;
  /** How long a run with nobody watching keeps going before it is stopped. */
  runDetachedGraceMs: number;
  /** Time between SIGINT and SIGKILL when a run is stopped. */
  stopGraceMs: number;
  /** A run is stopped after this long unless its block asks for more (0: never). */
  runTimeoutMs: number;
  /** The most a block may ask for. */
  runTimeoutMaxMs: number;
  /** A session unused this long, with nothing running, is removed with its sandbox. */
  sessionIdleMs: number;
  /** Names this server's objects in the engine; at start-up it removes what an earlier run of it left. */
  instance: string;
  /** The built Astro site that the server serves. */
  siteDir: string;
  docker: DockerConnection;
  /** Password mode: sessions all the logins from one client address may hold (a person who signs in again is still one person). */
  maxSessionsPerAddress: number;
  /** Below this much free space where the engine keeps its data, the biggest sandbox is removed. */
  diskFreeMin: number;
  diskCheckMs: number;
  /**
   * Sandboxes spread over a Docker Swarm: the manager to read the nodes from and make the session
   * networks on, the TLS keys (ca.pem, cert.pem, key.pem) for it and every node's Engine API, and
   * the registry the pull-through cache on each node reads from (unset: no cache on the nodes).
   */
  cluster: { manager: DockerConnection; tlsDir: string | undefined; mirrorUpstream: string | undefined } | undefined;
}

/** The state folder scripts/build-images.sh writes to (the auth registry's credentials live there). */
function stateDir(e: { RDN_STATE_DIR?: string | undefined; XDG_STATE_HOME?: string | undefined; HOME?: string | undefined }): string {
  return e.RDN_STATE_DIR ?? path.join(e.XDG_STATE_HOME ?? path.join(e.HOME ?? os.homedir(), '.local', 'state'), 'runnable-docker-notes');
}

/** Reads and validates the configuration; throws a readable error naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const loopback = isLoopback(e.HOST.toLowerCase());
  if (!loopback && !e.NOTES_PASSWORD_HASH && !e.TRUSTED_PROXY_HEADER) {
    throw new Error(
      `Refusing to listen on ${e.HOST}: whoever reaches this server drives a Docker engine, which is root on this host.\n` +
        'Set NOTES_PASSWORD_HASH (make one with `node server/hash-password.ts`), or TRUSTED_PROXY_HEADER and\n' +
        'TRUSTED_PROXIES for a reverse proxy that signs users in; or keep HOST=127.0.0.1.',
    );
  }
  if (e.TRUSTED_PROXY_HEADER && e.TRUSTED_PROXIES.length === 0) {
    throw new Error('Invalid configuration:\n  TRUSTED_PROXIES: list the reverse proxy addresses whose TRUSTED_PROXY_HEADER is believed.');
  }
  if (e.INSTRUCTOR_PASSWORD_HASH && !e.NOTES_PASSWORD_HASH) {
    throw new Error(
      "Invalid configuration:\n  INSTRUCTOR_PASSWORD_HASH: set NOTES_PASSWORD_HASH too (the attendees' password, at the same login page).",
    );
  }
  if (e.TRUSTED_PROXY_INSTRUCTORS.length > 0 && !e.TRUSTED_PROXY_HEADER) {
    throw new Error(
      'Invalid configuration:\n  TRUSTED_PROXY_INSTRUCTORS: set TRUSTED_PROXY_HEADER too (the instructors are named by the signing-in proxy).',
    );
  }
  const badInstructor = e.TRUSTED_PROXY_INSTRUCTORS.find((n) => !/^[\w.@+-]{1,128}$/.test(n));
  if (badInstructor) {
    throw new Error(
      `Invalid configuration:\n  TRUSTED_PROXY_INSTRUCTORS: "${badInstructor}" is not a user name the proxy header can carry (letters, digits, . _ @ + -).`,
    );
  }
  if (
    e.SANDBOX_ISOLATION === 'rootful' &&
    e.SANDBOX_MODE === 'isolated' &&
    (e.NOTES_PASSWORD_HASH || e.TRUSTED_PROXY_HEADER) &&
    e.SANDBOX_ROOTFUL_HOSTED !== '1'
  ) {
    throw new Error(
      "Refusing SANDBOX_ISOLATION=rootful in hosted mode: a reader's commands would run as root in a container that holds\n" +
        'nearly every capability, which is a way to root on this host. Unset SANDBOX_ISOLATION (rootless is the default),\n' +
        'or set SANDBOX_ROOTFUL_HOSTED=1 if every person who can sign in may have root on this machine.',
    );
  }
  const docker = parseDockerHost(e);
  const cluster = e.CLUSTER_MANAGER ? clusterConfig(e.CLUSTER_MANAGER, e.CLUSTER_TLS_DIR, e.CLUSTER_MIRROR_UPSTREAM) : undefined;
  // Checked here, not at the first Run: the sandbox binds the engine's socket into itself.
  if (e.SANDBOX_MODE === 'host' && docker.kind !== 'unix') {
    throw new Error(
      `Invalid configuration:\n  SANDBOX_MODE=host needs the engine on a local unix socket (DOCKER_HOST=unix://...), not ${docker.url}.`,
    );
  }
  if (cluster && e.SANDBOX_MODE === 'host') {
    throw new Error('Invalid configuration:\n  SANDBOX_MODE=host runs against one engine; it does not go with CLUSTER_MANAGER.');
  }
  // In hosted mode the server also answers to the address it is bound to.
  const boundName = !loopback && e.HOST !== '0.0.0.0' && e.HOST !== '::' ? [e.HOST.toLowerCase()] : [];
  return {
    host: e.HOST,
    port: e.PORT,
    token: e.TOKEN,
    allowedHosts: [...e.ALLOWED_HOSTS.map((h) => h.toLowerCase()), ...boundName],
    passwordHash: e.NOTES_PASSWORD_HASH,
    trustedProxyHeader: e.TRUSTED_PROXY_HEADER,
    trustedProxies: e.TRUSTED_PROXIES,
    instructorPasswordHash: e.INSTRUCTOR_PASSWORD_HASH,
    trustedProxyInstructors: e.TRUSTED_PROXY_INSTRUCTORS,
    workshopDb: path.resolve(e.WORKSHOP_DB ?? path.join(stateDir(e), 'workshop.sqlite')),
    workshopRetentionDays: e.WORKSHOP_RETENTION_DAYS,
    warmPoolMax: e.WARM_POOL_MAX,
    maxSessionsPerUser: e.MAX_SESSIONS_PER_USER,
    sandboxImage: e.SANDBOX_IMAGE,
    sandboxMode: e.SANDBOX_MODE,
    sandboxIsolation: e.SANDBOX_ISOLATION,
    sandboxPrivilege: e.SANDBOX_PRIVILEGE,
    limits: { memoryBytes: e.SANDBOX_MEMORY, nanoCpus: Math.round(e.SANDBOX_CPUS * 1e9), pids: e.SANDBOX_PIDS },
    registryMirror: e.REGISTRY_MIRROR,
    mirrorContainer: e.MIRROR_CONTAINER,
    insecureRegistries: e.INSECURE_REGISTRIES,
    sandboxSubnets: e.SANDBOX_SUBNETS === 'default' ? undefined : e.SANDBOX_SUBNETS,
    attachContainers: e.ATTACH_CONTAINERS.map((pair) => {
      const [container, alias] = pair.split('=');
      if (!container || !alias || !/^[\w.-]+$/.test(alias))
        throw new Error(`Invalid configuration:\n  ATTACH_CONTAINERS: "${pair}" must be container=alias`);
      return { container, alias };
    }),
    notesRegistry: e.NOTES_REGISTRY,
    authRegistryContainer: e.AUTH_REGISTRY_CONTAINER,
    authRegistryCredentials: path.join(stateDir(e), 'auth', 'credentials.env'),
    maxSessions: e.MAX_SESSIONS,
    warmPool: e.WARM_POOL,
    runOutputBytes: e.RUN_OUTPUT_BYTES,
    runDetachedGraceMs: e.RUN_DETACHED_GRACE_MS,
    stopGraceMs: e.STOP_GRACE_MS,
    runTimeoutMs: e.RUN_TIMEOUT_MS,
    runTimeoutMaxMs: e.RUN_TIMEOUT_MAX_MS,
    sessionIdleMs: e.SESSION_IDLE_MS,
    instance: e.INSTANCE,
    siteDir: path.resolve(e.SITE_DIR),
    docker,
    maxSessionsPerAddress: e.MAX_SESSIONS_PER_ADDRESS ?? e.MAX_SESSIONS_PER_USER,
    diskFreeMin: e.DISK_FREE_MIN,
    diskCheckMs: e.DISK_CHECK_MS,
    cluster,
  };
}

/** The manager's connection, TLS through the keys folder when one is named (checked here: a typo fails at start-up). */
function clusterConfig(manager: string, tlsDir: string | undefined, mirrorUpstream: string | undefined): NonNullable<Config['cluster']> {
  const dir = tlsDir ? path.resolve(tlsDir) : undefined;
  if (dir) {
    const missing = ['ca.pem', 'cert.pem', 'key.pem'].filter((f) => !fs.existsSync(path.join(dir, f)));
    if (missing.length) throw new Error(`Invalid configuration:\n  CLUSTER_TLS_DIR=${dir} lacks ${missing.join(', ')}.`);
  }
  const connection = parseDockerHost({ DOCKER_HOST: manager, ...(dir ? { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } : {}) });
  return { manager: connection, tlsDir: dir, mirrorUpstream };
}

export { projectRoot };
