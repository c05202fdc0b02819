import { PassThrough, type Duplex, type Readable } from 'node:stream';
import Docker from 'dockerode';
import type { DockerConnection } from './docker-host.ts';
import { describeEngineError, isConnectionError } from './engine-error.ts';
import type {
  ContainerSpec,
  ContainerState,
  EngineExec,
  EngineVersion,
  ExecSpec,
  LabelledObjects,
  RunOnceOptions,
  RunOnceResult,
  SwarmNodeInfo,
} from './engine-types.ts';
import { projectLabels } from './labels.ts';
import { modemOptions } from './modem-options.ts';

/** Engine calls may be slow while many sandboxes start at once; a health check must not be. */
const DEFAULT_TIMEOUT_MS = 60_000;
const QUICK_TIMEOUT_MS = 5000;

/** Calls that take `abortSignal` in dockerode's code, though its type definitions leave the options out. */
interface SignalledCalls {
  version(o: { abortSignal: AbortSignal }): Promise<Docker.DockerVersion>;
  info(o: { abortSignal: AbortSignal }): Promise<unknown>;
  df(o: { abortSignal: AbortSignal }): Promise<unknown>;
}

/** The error a call gets when its time is up (describeEngineError names it and a next step). */
const timeoutError = (ms: number) => Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' });

/**
 * The one module that talks to the Docker Engine API (through dockerode): a narrow client, so every
 * call gets a timeout that cancels its request and connection errors are described in one place.
 */
export class Engine {
  readonly connection: DockerConnection;
  readonly #docker: Docker;
  readonly #untyped: SignalledCalls;

  constructor(connection: DockerConnection) {
    this.connection = connection;
    this.#docker = new Docker(modemOptions(connection));
    this.#untyped = this.#docker as unknown as SignalledCalls;
  }

  /**
   * Runs an engine call with an AbortSignal that cancels its request after `timeoutMs`, turning
   * connection failures (and the timeout) into EngineUnreachableError. The call must pass the
   * signal on; should one ignore it, the call still ends at the timeout instead of hanging.
   */
  async call<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutError(timeoutMs)), timeoutMs);
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }),
    );
    aborted.catch(() => undefined);
    try {
      return await Promise.race([fn(controller.signal), aborted]);
    } catch (err) {
      const cause = controller.signal.aborted ? controller.signal.reason : err;
      throw isConnectionError(cause) ? describeEngineError(cause, this.connection) : cause;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The engine's version; throws EngineUnreachableError with a next step when it does not answer. */
  async version(): Promise<EngineVersion> {
    const v = await this.call((abortSignal) => this.#untyped.version({ abortSignal }), QUICK_TIMEOUT_MS);
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  /** Whether the engine holds the image (by name or id). */
  async imagePresent(name: string): Promise<boolean> {
    try {
      // The image inspect call takes no AbortSignal: call() ends it at the timeout all the same.
      await this.call(() => this.#docker.getImage(name).inspect());
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw err;
    }
  }

  /** Whether a container with this name or id exists and is running. */
  async containerRunning(name: string): Promise<boolean> {
    try {
      return (await this.containerState(name)).running;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw err;
    }
  }

  /** A container's state and addresses (throws with statusCode 404 when there is no such container). */
  async containerState(id: string): Promise<ContainerState> {
    const info = await this.call((abortSignal) => this.#docker.getContainer(id).inspect({ abortSignal }));
    const networks: ContainerState['networks'] = {};
    for (const [name, n] of Object.entries(info.NetworkSettings.Networks ?? {})) {
      networks[name] = { address: n.IPAddress || undefined, gateway: n.Gateway || undefined };
    }
    return { running: info.State.Running, networks };
  }

  /** A container's labels. */
  async containerLabels(id: string): Promise<Record<string, string>> {
    const info = await this.call((abortSignal) => this.#docker.getContainer(id).inspect({ abortSignal }));
    return info.Config.Labels ?? {};
  }

  /** Creates a container and returns its id. */
  async createContainer(spec: ContainerSpec): Promise<string> {
    return (await this.call((abortSignal) => this.#docker.createContainer({ ...spec, abortSignal }))).id;
  }

  async startContainer(id: string): Promise<void> {
    await this.call((abortSignal) => this.#docker.getContainer(id).start({ abortSignal }));
  }

  /** Removes a container, running or not (gone already: done). */
  async removeContainer(id: string): Promise<void> {
    await this.call((abortSignal) => this.#docker.getContainer(id).remove({ force: true, abortSignal })).catch(ignoreGone);
  }

  /** Removes a network by name or id (gone already: done); on a Swarm manager, an overlay of the whole cluster. */
  async removeNetwork(name: string): Promise<void> {
    await this.call((abortSignal) => this.#docker.getNetwork(name).remove({ abortSignal })).catch(ignoreGone);
  }

  /** Sends a signal to the container's main process. */
  async killContainer(id: string, signal: string): Promise<void> {
    await this.call((abortSignal) => this.#docker.getContainer(id).kill({ signal, abortSignal }));
  }

  /** Waits until the container has stopped; returns its exit code. */
  async waitContainer(id: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
    const r = (await this.call((abortSignal) => this.#docker.getContainer(id).wait({ abortSignal }), timeoutMs)) as { StatusCode: number };
    return r.StatusCode;
  }

  /** Extracts a tar archive into a folder of the container. */
  async putArchive(id: string, tar: Buffer, path: string): Promise<void> {
    await this.call((abortSignal) => this.#docker.getContainer(id).putArchive(tar, { path, abortSignal }));
  }

  /** Memory a container uses now, less the page cache (its cgroup's figure). */
  async memoryUsed(id: string): Promise<number> {
    type Stats = { memory_stats?: { usage?: number; stats?: { cache?: number } } };
    const s = (await this.call((abortSignal) => {
      const options = { stream: false as const, abortSignal };
      return this.#docker.getContainer(id).stats(options);
    })) as Stats;
    return (s.memory_stats?.usage ?? 0) - (s.memory_stats?.stats?.cache ?? 0);
  }

  /**
   * Creates a labelled network, in `subnet` when given (else the engine's default pools): a bridge,
   * or on a Swarm manager an attachable overlay, which containers on every node can join.
   */
  async createNetwork(name: string, labels: Record<string, string>, subnet?: string, driver: 'bridge' | 'overlay' = 'bridge'): Promise<void> {
    const ipam = subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] } } : {};
    const overlay = driver === 'overlay' ? { Attachable: true, CheckDuplicate: true } : {};
    await this.call((abortSignal) => {
      const options = { Name: name, Labels: labels, Driver: driver, ...overlay, ...ipam, abortSignal };
      return this.#docker.createNetwork(options);
    });
  }

  /** The Swarm's nodes (this engine must be a manager). */
  async listNodes(): Promise<SwarmNodeInfo[]> {
    type RawNode = {
      ID: string;
      Description?: { Hostname?: string };
      Status?: { State?: string };
      Spec?: { Availability?: string; Labels?: Record<string, string> };
    };
    const nodes = (await this.call((abortSignal) => this.#docker.listNodes({ abortSignal }), QUICK_TIMEOUT_MS)) as RawNode[];
    return nodes.map((n) => ({
      id: n.ID,
      hostname: n.Description?.Hostname ?? n.ID,
      state: n.Status?.State ?? 'unknown',
      availability: n.Spec?.Availability ?? 'active',
      labels: n.Spec?.Labels ?? {},
    }));
  }

  /** This engine's own Swarm node id (empty when it is in no Swarm). */
  async swarmNodeId(): Promise<string> {
    const info = (await this.call((abortSignal) => this.#untyped.info({ abortSignal }), QUICK_TIMEOUT_MS)) as { Swarm?: { NodeID?: string } };
    return info.Swarm?.NodeID ?? '';
  }

  /** Makes this engine a Swarm's first manager; returns the worker and manager join tokens. */
  async swarmInit(advertiseAddr: string): Promise<{ worker: string; manager: string }> {
    await this.call((abortSignal) => this.#docker.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: advertiseAddr, abortSignal }));
    // swarmInspect takes no options in dockerode's types: call() ends it at the timeout all the same.
    const swarm = (await this.call(() => this.#docker.swarmInspect())) as {
      JoinTokens: { Worker: string; Manager: string };
    };
    return { worker: swarm.JoinTokens.Worker, manager: swarm.JoinTokens.Manager };
  }

  /** Joins this engine to a Swarm through one of its managers (`host:2377`). */
  async swarmJoin(manager: string, token: string, advertiseAddr: string): Promise<void> {
    await this.call((abortSignal) =>
      this.#docker.swarmJoin({ RemoteAddrs: [manager], JoinToken: token, ListenAddr: '0.0.0.0:2377', AdvertiseAddr: advertiseAddr, abortSignal }),
    );
  }

  /** Sets a node's labels and availability (`docker node update`), keeping the rest of its spec. */
  async updateNode(id: string, change: { labels?: Record<string, string>; availability?: 'active' | 'drain' | 'pause' }): Promise<void> {
    const node = this.#docker.getNode(id);
    const info = (await this.call(() => node.inspect())) as { Version: { Index: number }; Spec: { Labels?: Record<string, string> } };
    const spec = { ...info.Spec, ...(change.labels ? { Labels: { ...info.Spec.Labels, ...change.labels } } : {}) };
    if (change.availability) Object.assign(spec, { Availability: change.availability });
    await this.call((abortSignal) => node.update({ _query: { version: info.Version.Index }, _body: spec, abortSignal }));
  }

  /** An image as a `docker save` tar stream. */
  async saveImage(name: string): Promise<Readable> {
    return (await this.call(() => this.#docker.getImage(name).get())) as Readable;
  }

  /** Loads a `docker save` tar stream into this engine (`docker load`). */
  async loadImage(tar: Readable): Promise<void> {
    const stream = (await this.call((abortSignal) => this.#docker.loadImage(tar, { abortSignal }), 600_000)) as Readable;
    await new Promise<void>((resolve, reject) => {
      this.#docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  /** The host port a container's TCP port is published on (the first binding). */
  async publishedPort(id: string, port: number): Promise<number | undefined> {
    const info = await this.call((abortSignal) => this.#docker.getContainer(id).inspect({ abortSignal }));
    const binding = info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0];
    return binding ? Number(binding.HostPort) : undefined;
  }

  /** Stops a container (SIGTERM, then SIGKILL after `graceSeconds`). */
  async stopContainer(id: string, graceSeconds = 10): Promise<void> {
    await this.call((abortSignal) => this.#docker.getContainer(id).stop({ t: graceSeconds, abortSignal }));
  }

  /** Joins a container to a network, reachable there under the aliases. */
  async connectNetwork(network: string, container: string, aliases: string[]): Promise<void> {
    await this.call((abortSignal) => {
      const options = { Container: container, EndpointConfig: { Aliases: aliases }, abortSignal };
      return this.#docker.getNetwork(network).connect(options);
    });
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.call((abortSignal) => this.#docker.createVolume({ Name: name, Labels: labels, abortSignal }));
  }

  /** Starts a command in a container; without a TTY the engine's multiplexed stdout and stderr come out merged. */
  async exec(containerId: string, spec: ExecSpec): Promise<EngineExec> {
    const container = this.#docker.getContainer(containerId);
    const exec = await this.call((abortSignal) =>
      container.exec({
        Cmd: spec.cmd,
        Env: spec.env,
        ...(spec.user ? { User: spec.user } : {}),
        Tty: spec.tty,
        AttachStdin: spec.stdin,
        AttachStdout: true,
        AttachStderr: true,
        ...(spec.consoleSize ? { ConsoleSize: spec.consoleSize } : {}),
        abortSignal,
      }),
    );
    const raw = (await this.call((abortSignal) => exec.start({ hijack: true, stdin: spec.stdin, Tty: spec.tty, abortSignal }))) as Duplex;
    // Node drops its own error listener on an upgraded socket: without one, a reset kills the process.
    raw.on('error', () => raw.destroy());
    let output: Readable = raw;
    if (!spec.tty) {
      const merged = new PassThrough();
      this.#docker.modem.demuxStream(raw, merged, merged);
      raw.on('end', () => merged.end());
      raw.on('error', (err) => merged.destroy(err));
      output = merged;
    }
    return {
      output,
      input: raw,
      resize: async (cols, rows) => {
        await this.call((abortSignal) => exec.resize({ w: cols, h: rows, abortSignal }), QUICK_TIMEOUT_MS);
      },
      state: async () => {
        const info = await this.call((abortSignal) => exec.inspect({ abortSignal }));
        return { running: info.Running, exitCode: info.ExitCode, pid: info.Pid };
      },
    };
  }

  /** Pulls an image, reporting overall progress (0-100) from the per-layer byte counts. */
  async pull(image: string, onPercent: (percent: number) => void): Promise<void> {
    const stream = await this.call((abortSignal) => this.#docker.pull(image, { abortSignal }), 30_000);
    const layers = new Map<string, { current: number; total: number }>();
    await new Promise<void>((resolve, reject) => {
      this.#docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: { id?: string; error?: string; progressDetail?: { current?: number; total?: number } }) => {
          if (event.error) return reject(new Error(event.error));
          const d = event.progressDetail;
          if (!event.id || !d?.total) return;
          layers.set(event.id, { current: d.current ?? 0, total: d.total });
          let current = 0;
          let total = 0;
          for (const l of layers.values()) {
            current += l.current;
            total += l.total;
          }
          onPercent(Math.min(100, Math.round((100 * current) / total)));
        },
      );
    });
  }

  /**
   * Starts a labelled container, waits for it to end, returns its output and exit code,
   * and removes it whatever happens.
   */
  async runOnce(opts: RunOnceOptions): Promise<RunOnceResult> {
    const container = await this.call((abortSignal) =>
      this.#docker.createContainer({
        Image: opts.image,
        Cmd: opts.cmd,
        Env: opts.env ?? [],
        Labels: projectLabels(opts.labels),
        Tty: false,
        HostConfig: { NetworkMode: opts.networkMode ?? 'none', Privileged: opts.privileged ?? false },
        abortSignal,
      }),
    );
    try {
      const stream = await this.call((abortSignal) => container.attach({ stream: true, stdout: true, stderr: true, abortSignal }));
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      this.#docker.modem.demuxStream(stream, sink, sink);
      const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()));
      await this.call((abortSignal) => container.start({ abortSignal }));
      const { StatusCode } = (await this.call((abortSignal) => container.wait({ abortSignal }))) as { StatusCode: number };
      await ended;
      return { output: Buffer.concat(chunks).toString('utf8'), exitCode: StatusCode, containerId: container.id };
    } finally {
      // Silent on purpose: the caller's result (or error) matters more, and the container carries
      // the caller's labels, so the labelled sweeps remove it later.
      await this.call((abortSignal) => container.remove({ force: true, v: true, abortSignal })).catch(() => undefined);
    }
  }

  /** Where the engine keeps its data (`DockerRootDir`), to watch that file system's free space. */
  async dataRoot(): Promise<string> {
    const info = (await this.call((abortSignal) => this.#untyped.info({ abortSignal }), QUICK_TIMEOUT_MS)) as { DockerRootDir?: string };
    return info.DockerRootDir ?? '/var/lib/docker';
  }

  /**
   * Disk used per value of a label: volumes' sizes plus containers' writable layers (the engine's
   * `system df`, which measures volumes, so it is slow on a big engine: call it rarely).
   */
  async diskUsageBy(label: string): Promise<Map<string, number>> {
    type Df = {
      Volumes?: Array<{ Labels?: Record<string, string> | null; UsageData?: { Size?: number } | null }>;
      Containers?: Array<{ Labels?: Record<string, string> | null; SizeRw?: number }>;
    };
    const df = (await this.call((abortSignal) => this.#untyped.df({ abortSignal }), 120_000)) as Df;
    const usage = new Map<string, number>();
    const add = (labels: Record<string, string> | null | undefined, bytes: number | undefined) => {
      const key = labels?.[label];
      if (key && bytes && bytes > 0) usage.set(key, (usage.get(key) ?? 0) + bytes);
    };
    for (const v of df.Volumes ?? []) add(v.Labels, v.UsageData?.Size);
    for (const c of df.Containers ?? []) add(c.Labels, c.SizeRw);
    return usage;
  }

  /** Ids of every container, network and volume carrying all the given labels. */
  async listLabelled(labels: Record<string, string>): Promise<LabelledObjects> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const filters = JSON.stringify({ label });
    const [containers, networks, volumes] = await this.call((abortSignal) =>
      Promise.all([
        this.#docker.listContainers({ all: true, filters, abortSignal }),
        this.#docker.listNetworks({ filters, abortSignal }),
        this.#docker.listVolumes({ filters, abortSignal }),
      ]),
    );
    return {
      containers: containers.map((c) => c.Id),
      networks: networks.map((n) => n.Id),
      volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    };
  }

  /**
   * Removes every container, then network, then volume carrying the labels, detaching shared
   * containers (the registries attached to session networks) first; returns what it found.
   */
  async removeLabelled(labels: Record<string, string>, opts: { networks?: boolean } = {}): Promise<LabelledObjects> {
    const listed = await this.listLabelled(labels);
    // A Swarm node's copy of an overlay is the manager's to remove (the node refuses): `networks: false`
    // leaves them, but still detaches the node's shared containers (its registry mirror), which the
    // manager cannot see and which would otherwise keep the overlay in use.
    const removeNetworks = opts.networks !== false;
    const found = removeNetworks ? listed : { ...listed, networks: [] };
    await Promise.all(
      found.containers.map((id) =>
        this.call((abortSignal) => this.#docker.getContainer(id).remove({ force: true, v: true, abortSignal })).catch(ignoreGone),
      ),
    );
    for (const id of listed.networks) {
      const net = this.#docker.getNetwork(id);
      const info = (await this.call(() => net.inspect()).catch(() => null)) as { Containers?: Record<string, unknown> } | null;
      // A failed disconnect is not lost: the network's removal then fails and says so.
      for (const cid of Object.keys(info?.Containers ?? {})) {
        await this.call((abortSignal) => net.disconnect({ Container: cid, Force: true, abortSignal })).catch(() => undefined);
      }
      if (removeNetworks) await this.call((abortSignal) => net.remove({ abortSignal })).catch(ignoreGone);
    }
    await Promise.all(
      found.volumes.map((name) => this.call((abortSignal) => this.#docker.getVolume(name).remove({ force: true, abortSignal })).catch(ignoreGone)),
    );
    return found;
  }
}

/** Gone already (404), or being removed by someone else right now (409): either way, done. */
function ignoreGone(err: unknown): void {
  const status = (err as { statusCode?: number }).statusCode;
  if (status !== 404 && status !== 409) throw err;
}
