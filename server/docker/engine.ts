import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import type { DockerConnection } from './docker-host.ts';
import { describeEngineError, isConnectionError } from './engine-error.ts';
import { LABELS, projectLabels } from './labels.ts';

/** What the engine says about itself. */
export interface EngineVersion {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

export interface RunOnceOptions {
  image: string;
  cmd: string[];
  labels?: Record<string, string>;
  env?: string[];
  networkMode?: string;
  privileged?: boolean;
}

export interface RunOnceResult {
  output: string;
  exitCode: number;
  containerId: string;
}

export interface LabelledObjects {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** Engine calls may be slow while many sandboxes start at once; a health check must not be. */
const DEFAULT_TIMEOUT_MS = 60_000;
const QUICK_TIMEOUT_MS = 5000;

/** Builds dockerode's connection options from a parsed DOCKER_HOST. */
function modemOptions(c: DockerConnection): Docker.DockerOptions {
  switch (c.kind) {
    case 'unix':
      return { socketPath: c.socketPath };
    case 'ssh':
      return {
        protocol: 'ssh',
        host: c.host,
        port: c.port,
        ...(c.username ? { username: c.username } : {}),
        sshOptions: c.agentSocket ? { agent: c.agentSocket } : {},
      };
    case 'tcp': {
      const base: Docker.DockerOptions = { protocol: c.tls ? 'https' : 'http', host: c.host, port: c.port };
      if (c.tls && c.certPath) {
        const read = (f: string) => fs.readFileSync(path.join(c.certPath as string, f));
        return { ...base, ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
      }
      return base;
    }
  }
}

/**
 * The one module that talks to the Docker Engine API (through dockerode).
 * Everything else uses these methods, so connection errors are described in one place.
 */
export class Engine {
  readonly connection: DockerConnection;
  readonly docker: Docker;

  constructor(connection: DockerConnection) {
    this.connection = connection;
    this.docker = new Docker(modemOptions(connection));
  }

  /** Runs an engine call, turning connection failures into EngineUnreachableError. */
  async call<T>(fn: () => Promise<T>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (err) {
      throw isConnectionError(err) ? describeEngineError(err, this.connection) : err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The engine's version; throws EngineUnreachableError with a next step when it does not answer. */
  async version(): Promise<EngineVersion> {
    const v = await this.call(() => this.docker.version(), QUICK_TIMEOUT_MS);
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  /** Whether the engine holds the image (by name or id). */
  async imagePresent(name: string): Promise<boolean> {
    try {
      await this.call(() => this.docker.getImage(name).inspect());
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw err;
    }
  }

  /** Whether a container with this name or id exists and is running. */
  async containerRunning(name: string): Promise<boolean> {
    try {
      const info = await this.call(() => this.docker.getContainer(name).inspect());
      return info.State.Running;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw err;
    }
  }

  /** Pulls an image, reporting overall progress (0-100) from the per-layer byte counts. */
  async pull(image: string, onPercent: (percent: number) => void): Promise<void> {
    const stream = await this.call(() => this.docker.pull(image), 30_000);
    const layers = new Map<string, { current: number; total: number }>();
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
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
    const container = await this.call(() =>
      this.docker.createContainer({
        Image: opts.image,
        Cmd: opts.cmd,
        Env: opts.env ?? [],
        Labels: projectLabels(opts.labels),
        Tty: false,
        HostConfig: { NetworkMode: opts.networkMode ?? 'none', Privileged: opts.privileged ?? false },
      }),
    );
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      this.docker.modem.demuxStream(stream, sink, sink);
      const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()));
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      await ended;
      return { output: Buffer.concat(chunks).toString('utf8'), exitCode: StatusCode, containerId: container.id };
    } finally {
      // Silent on purpose: the caller's result (or error) matters more, and the container carries
      // the caller's labels, so the labelled sweeps remove it later.
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  /** Where the engine keeps its data (`DockerRootDir`), to watch that file system's free space. */
  async dataRoot(): Promise<string> {
    const info = (await this.call(() => this.docker.info(), QUICK_TIMEOUT_MS)) as { DockerRootDir?: string };
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
    const df = (await this.call(() => this.docker.df(), 120_000)) as Df;
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
    const [containers, networks, volumes] = await this.call(() =>
      Promise.all([
        this.docker.listContainers({ all: true, filters }),
        this.docker.listNetworks({ filters }),
        this.docker.listVolumes({ filters }),
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
  async removeLabelled(labels: Record<string, string>): Promise<LabelledObjects> {
    const found = await this.listLabelled(labels);
    await Promise.all(
      found.containers.map((id) => this.docker.getContainer(id).remove({ force: true, v: true }).catch(ignoreGone)),
    );
    for (const id of found.networks) {
      const net = this.docker.getNetwork(id);
      const info = (await net.inspect().catch(() => null)) as { Containers?: Record<string, unknown> } | null;
      // A failed disconnect is not lost: the network's removal just below then fails and says so.
      for (const cid of Object.keys(info?.Containers ?? {})) await net.disconnect({ Container: cid, Force: true }).catch(() => undefined);
      await net.remove().catch(ignoreGone);
    }
    await Promise.all(found.volumes.map((name) => this.docker.getVolume(name).remove({ force: true }).catch(ignoreGone)));
    return found;
  }
}

/** Gone already (404), or being removed by someone else right now (409): either way, done. */
function ignoreGone(err: unknown): void {
  const status = (err as { statusCode?: number }).statusCode;
  if (status !== 404 && status !== 409) throw err;
}

export { LABELS };
