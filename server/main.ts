import crypto from 'node:crypto';
import fs from 'node:fs';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { Engine } from './docker/engine.ts';
import { LABELS } from './docker/labels.ts';
import { lineLogger } from './logger.ts';
import { DiskWatch, gib } from './health/disk-watch.ts';
import { healthReport, isolationOf } from './health/health-report.ts';
import { SESSION_SHELL_FILES } from './runs/session-shell.ts';
import { Cluster } from './cluster/cluster.ts';
import { ClusterRoom } from './cluster/cluster-room.ts';
import { NodeMirrors } from './cluster/node-mirrors.ts';
import { clusterSandboxFactory, removeClusterSession } from './sandbox/cluster-sandbox-factory.ts';
import { sandboxFactory, type SandboxFactory, type SandboxFactoryOptions } from './sandbox/sandbox-factory.ts';
import { DEFAULT_RUN_SIZE } from './runs/run-exec.ts';
import { SpareShells } from './runs/spare-shells.ts';
import { removeSessionObjects } from './sandbox/remove-session-objects.ts';
import { DOCKER_WRAPPER_FILE } from './sandbox/docker-wrapper.ts';
import { resolveSiteRegistry } from './registry/site-registry.ts';
import { RequestGuard } from './security/request-guard.ts';
import { newToken } from './security/token.ts';
import { SandboxPool } from './sandbox/sandbox-pool.ts';
import { ClusterPool } from './sandbox/cluster-pool.ts';
import type { WarmPool } from './sandbox/warm-pool.ts';
import { nodeHealth } from './cluster/node-report.ts';
import { SessionStore } from './sessions/session-store.ts';
import { ensureSiteBuilt } from './site-build.ts';
import { openWorkshop } from './workshop/open-workshop.ts';

const logger = lineLogger((line) => console.log(line));
const log = (line: string) => logger.info(line);

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  await ensureSiteBuilt(config.siteDir, log);
  const engine = new Engine(config.docker);
  const token = config.token ?? newToken();

  const cluster = config.cluster ? new Cluster(config.cluster.manager, config.cluster.tlsDir) : undefined;

  // Sandboxes of an earlier run of this instance are gone with its memory: remove them (on a
  // cluster, on whichever node each one's labels put it, and their overlays on the manager).
  const mine = { [LABELS.instance]: config.instance };
  const swept = await (cluster
    ? cluster.removeLabelled(mine)
    : engine.removeLabelled(mine).then((r) => ({ ...r, unreachable: [] as string[] }))
  ).catch((e: unknown) => logger.warn(`could not remove what an earlier run of instance ${config.instance} left`, e));
  if (swept && swept.containers.length + swept.networks.length + swept.volumes.length > 0) {
    log(
      `Removed what an earlier run left: ${swept.containers.length} containers, ${swept.networks.length} networks, ${swept.volumes.length} volumes.`,
    );
  }
  if (swept && swept.unreachable.length > 0) {
    log(
      `Warning: cluster nodes ${swept.unreachable.join(', ')} did not answer or refused; what this instance left there stays until the next start.`,
    );
  }
  if (cluster) {
    const nodes = await cluster.nodes().catch((e: unknown) => logger.warn('the Swarm manager did not list its nodes', e));
    if (nodes)
      log(
        `Cluster: ${nodes.map((n) => `${n.name} (${n.ready ? 'ready' : 'not ready'}, ${n.active ? 'active' : 'drained'}, ${n.capacity})`).join(', ')}`,
      );
  }

  const registry = await resolveSiteRegistry(
    engine,
    {
      configured: config.notesRegistry,
      container: config.authRegistryContainer,
      credentialsFile: config.authRegistryCredentials,
      hosted: config.passwordHash !== undefined || config.trustedProxyHeader !== undefined,
      mode: config.sandboxMode,
    },
    log,
  );
  const factoryOptions: SandboxFactoryOptions = {
    instance: config.instance,
    image: config.sandboxImage,
    mode: config.sandboxMode,
    isolation: config.sandboxIsolation,
    privilege: config.sandboxPrivilege,
    limits: config.limits,
    subnets: config.sandboxSubnets,
    registryMirror: config.registryMirror,
    mirrorContainer: config.mirrorContainer,
    insecureRegistries: config.insecureRegistries,
    attachContainers: config.attachContainers,
    hostSocket: config.docker.kind === 'unix' ? config.docker.socketPath : undefined,
    // The session shell (state save/restore, the terminal's rcfile) is in every sandbox from the start.
    // So is the `docker` that waits for the sandbox's engine (handed out before it answers).
    install: { dir: '/run', files: [...SESSION_SHELL_FILES.map((f) => ({ ...f, path: `rdn/${f.path}` })), DOCKER_WRAPPER_FILE] },
  };
  const mirrorUpstream = config.cluster?.mirrorUpstream;
  const mirrors = mirrorUpstream ? new NodeMirrors(mirrorUpstream, config.instance) : undefined;
  if (cluster) {
    log(
      mirrors
        ? `Cluster: each node's sandboxes pull through a registry mirror on that node, in front of ${mirrorUpstream}.`
        : 'Cluster: no registry mirror on the nodes (CLUSTER_MIRROR_UPSTREAM is unset); sandboxes reach registries by address.',
    );
  }
  const clusterFactory = cluster ? clusterSandboxFactory(cluster, factoryOptions, log, mirrors) : undefined;
  const factory = clusterFactory ?? sandboxFactory(engine, factoryOptions, log, registry);
  const removeObjects = cluster ? (id: string) => removeClusterSession(cluster, id) : (id: string) => removeSessionObjects(engine, id);
  // On a cluster, the sessions admitted follow the room on its nodes (the queue takes over past it).
  const room = cluster ? new ClusterRoom(cluster, config.instance, logger) : undefined;
  // Always there (maybe empty): an instructor's class size grows it. On a cluster, WARM_POOL
  // sandboxes on each node, from the room's last look at the nodes.
  const clusterPool =
    room && clusterFactory ? new ClusterPool(config.warmPool, clusterFactory.on, removeObjects, () => room.nodes, logger) : undefined;
  if (room && clusterPool) room.onLook = (nodes) => clusterPool.looked(nodes);
  const runEnv = [`REGISTRY=${registry.name}`];
  const spareShells = new SpareShells(logger, runEnv);
  // A pooled sandbox comes with its spare shell: a session's first Run is then as quick as the next.
  const poolFactory: SandboxFactory = (id, onPhase) =>
    factory(id, onPhase).then((sandbox) => {
      spareShells.prepare(sandbox, DEFAULT_RUN_SIZE);
      return sandbox;
    });
  const pool: WarmPool = clusterPool ?? new SandboxPool(config.warmPool, poolFactory, removeObjects, logger);
  room?.start();
  const workshop = openWorkshop(config, pool, runEnv, log);
  const store = new SessionStore({
    pool,
    factory,
    removeObjects,
    maxSessions: config.maxSessions,
    room: room ? () => room.latest : undefined,
    maxSessionsPerUser: config.maxSessionsPerUser,
    outputLimit: config.runOutputBytes,
    stopGraceMs: config.stopGraceMs,
    detachedGraceMs: config.runDetachedGraceMs,
    runTimeoutMs: config.runTimeoutMs,
    sessionIdleMs: config.sessionIdleMs,
    runEnv: workshop.runEnv,
    spareShells,
    onRun: (session, run) => workshop.runStarted(session, run),
    logger,
  });
  workshop.attach(store);
  const guard = new RequestGuard({
    token,
    allowedHosts: config.allowedHosts,
    passwordLogin: config.passwordHash !== undefined,
    trustedProxyHeader: config.trustedProxyHeader,
    trustedProxies: config.trustedProxies,
    cookieSecret: crypto.randomBytes(32),
  });
  const disk = new DiskWatch({
    locate: async () => {
      if (config.docker.kind !== 'unix') return { reason: 'the engine is on another machine (DOCKER_HOST): watch its disk there' };
      const root = await engine.dataRoot();
      return fs.existsSync(root) ? { path: root } : { reason: `the engine's data folder ${root} is not on this machine` };
    },
    minFreeBytes: config.diskFreeMin,
    everyMs: config.diskCheckMs,
    onLow: async (r) => {
      const low = `the host ran low on disk (${gib(r.freeBytes)} free, below ${gib(r.minFreeBytes)})`;
      const evicted = await store.evictLargest(
        await engine.diskUsageBy(LABELS.session),
        (bytes) => `Your sandbox used the most disk (${gib(bytes)}) when ${low}`,
      );
      if (evicted) log(`Disk: ${low}; removed the sandbox of session ${evicted.id.slice(0, 8)}, which used ${gib(evicted.bytes)}.`);
      else log(`Warning: ${low} on ${r.path}, and no session of this server holds disk to free there.`);
    },
    log,
  });
  disk.start();
  const nodes = room ? () => nodeHealth(room.nodes ?? [], (id) => clusterPool?.readyOn(id) ?? 0) : undefined;
  const { listen } = createApp(config, { engine, guard, store, log, pool, registry, disk: () => disk.latest, workshop, nodes });
  const running = await listen();
  pool.fill();
  workshop.start();

  const health = await healthReport(engine, config.sandboxImage, 0, config.sandboxMode, isolationOf(config));
  if (health.engine.reachable) log(`Docker engine ${health.engine.version} at ${health.engine.host}`);
  else log(`Warning: ${health.engine.error}`);
  if (health.engine.reachable && !health.sandboxImage.present) {
    log(`Warning: the sandbox image ${config.sandboxImage} is missing. Build it: sudo bash scripts/build-images.sh`);
  }
  if (config.sandboxMode === 'host') log('WARNING: SANDBOX_MODE=host: Run acts on the host engine itself.');
  else if (config.sandboxIsolation === 'rootful') {
    log('WARNING: SANDBOX_ISOLATION=rootful: commands run as root beside a root engine; whoever can Run can reach root on this host.');
  } else log('Sandboxes: a rootless engine; commands run as an unprivileged user (SANDBOX_ISOLATION=rootless).');
  if (guard.hosted) {
    log(
      `Hosted mode (${config.passwordHash ? 'password login at /login' : `users named by ${config.trustedProxyHeader} from ${config.trustedProxies.join(', ')}`}); scripts use the token.`,
    );
  }
  log(`Runnable Docker notes: ${running.url}/?token=${token}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log("Stopping: removing the sessions' sandboxes ...");
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
