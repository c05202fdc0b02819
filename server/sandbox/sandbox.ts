import type { Duplex, Readable, Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { Engine } from '../docker/engine.ts';
import { ImageMissingError } from '../docker/engine-error.ts';
import { LABELS, projectLabels } from '../docker/labels.ts';
import type { SandboxSettings } from './sandbox-settings.ts';
import { sandboxCreateOptions, sandboxExecIdentity, sandboxFileOwner, sandboxNames, WORKSPACE } from './sandbox-template.ts';
import { HELPER_ENV, HELPER_OUTPUT_BYTES, HelperOutputTooLargeError, helperCommand } from './sandbox-helper.ts';
import { subnetCandidates } from './session-subnet.ts';
import { tarFiles, type SandboxFile } from './tar-files.ts';
import type { Phase } from '../protocol.ts';

/** A progress step shown to the reader while a sandbox gets ready: the protocol's, sent as it is. */
export type { Phase } from '../protocol.ts';

export interface ExecOptions {
  cmd: string[];
  env?: string[];
  /**
   * The server's own command, not the reader's: it must name its program by absolute path and
   * gets a fixed environment (HELPER_ENV), so nothing the reader did in the sandbox changes it.
   */
  helper?: boolean;
  tty: boolean;
  stdin?: boolean;
  cols?: number;
  rows?: number;
}

/** A started exec: its output, its stdin, resize, and its exit code once it ends. */
export interface ExecHandle {
  output: Readable;
  input: Writable;
  resize(cols: number, rows: number): Promise<void>;
  exitCode(): Promise<number>;
}

export interface CreateSandboxOptions {
  onPhase?: (p: Phase) => void;
  /** Containers on the host engine (registries) to join the session's network under an alias. */
  attach?: Array<{ container: string; alias: string }>;
  /** How long to wait for the inner engine to answer. */
  engineStartTimeoutMs?: number;
  /** Files to install before the sandbox is handed out (paths relative to `dir`). */
  install?: { dir: string; files: SandboxFile[] };
}

/** Who the sandbox's execs run as, and the environment every exec gets. */
export interface ExecIdentity {
  user: string | undefined;
  env: string[];
}

const ENGINE_POLL_MS = 150;

/** One session's sandbox container: exec commands in it, give it files, remove it and all it owns. */
export class Sandbox {
  readonly sessionId: string;
  readonly containerId: string;
  /** The sandbox's address on its session network (where its published ports answer). */
  readonly address: string | undefined;
  readonly #engine: Engine;
  readonly #container: Docker.Container;
  readonly #identity: ExecIdentity;

  constructor(engine: Engine, sessionId: string, containerId: string, address?: string, identity: ExecIdentity = { user: undefined, env: [] }) {
    this.#engine = engine;
    this.sessionId = sessionId;
    this.containerId = containerId;
    this.address = address;
    this.#identity = identity;
    this.#container = engine.docker.getContainer(containerId);
  }

  /** Starts a command in the sandbox; with `tty` the output is one raw stream, as in a terminal. */
  async exec(opts: ExecOptions): Promise<ExecHandle> {
    const cmd = opts.helper ? helperCommand(opts.cmd) : opts.cmd;
    // Later entries win: the helper's fixed environment over anything else.
    const env = [...this.#identity.env, ...(opts.env ?? []), ...(opts.helper ? HELPER_ENV : [])];
    const exec = await this.#engine.call(() =>
      this.#container.exec({
        Cmd: cmd,
        Env: env,
        ...(this.#identity.user ? { User: this.#identity.user } : {}),
        Tty: opts.tty,
        AttachStdin: opts.stdin ?? false,
        AttachStdout: true,
        AttachStderr: true,
        ...(opts.tty && opts.cols && opts.rows ? { ConsoleSize: [opts.rows, opts.cols] as [number, number] } : {}),
      }),
    );
    const raw = (await this.#engine.call(() =>
      exec.start({ hijack: true, stdin: opts.stdin ?? false, Tty: opts.tty }),
    )) as Duplex;
    // Node drops its own error listener on an upgraded socket: without one, a reset kills the process.
    raw.on('error', () => raw.destroy());
    let output: Readable = raw;
    if (!opts.tty) {
      // Without a TTY the engine multiplexes stdout and stderr; merge them back into one stream.
      const merged = new PassThrough();
      this.#engine.docker.modem.demuxStream(raw, merged, merged);
      raw.on('end', () => merged.end());
      raw.on('error', (err) => merged.destroy(err));
      output = merged;
    }
    const resize = async (cols: number, rows: number) => {
      await exec.resize({ w: cols, h: rows }).catch(() => undefined);
    };
    // Resizes are the caller's: it orders them (an older size must never land after a newer one).
    // Called once the output has ended: the process ends a moment later, unless the engine
    // connection was lost while it runs on; give up then rather than poll forever.
    const exitCode = async () => {
      for (let i = 0; i < 100; i++) {
        const info = await this.#engine.call(() => exec.inspect());
        if (!info.Running && info.ExitCode !== null) return info.ExitCode;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('The command still runs, but its output stream was lost (the connection to the engine dropped).');
    };
    return { output, input: raw, resize, exitCode };
  }

  /**
   * Runs one of the server's own commands without a TTY (a helper: absolute path, fixed
   * environment, as the sandbox's user) and collects its output, up to HELPER_OUTPUT_BYTES; past
   * that it stops reading and fails. `input` is written to its stdin, which is then closed.
   */
  async run(cmd: string[], input?: string | Buffer): Promise<{ output: string; exitCode: number }> {
    const handle = await this.exec({ cmd, tty: false, helper: true, stdin: input !== undefined });
    const chunks: Buffer[] = [];
    let bytes = 0;
    const collected = new Promise<void>((resolve, reject) => {
      handle.output.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes > HELPER_OUTPUT_BYTES) {
          handle.output.destroy();
          reject(new HelperOutputTooLargeError(cmd[0] ?? '', HELPER_OUTPUT_BYTES));
          return;
        }
        chunks.push(c);
      });
      handle.output.on('end', () => resolve());
      handle.output.on('error', reject);
    });
    if (input !== undefined) handle.input.end(input);
    await collected;
    return { output: Buffer.concat(chunks).toString('utf8'), exitCode: await handle.exitCode() };
  }

  /**
   * Writes a file of the workspace (a file block) as the sandbox's user, through a helper rather
   * than the archive upload: the engine extracts archives as root and follows the reader's symlinks.
   */
  async writeFile(relativePath: string, content: string): Promise<void> {
    const r = await this.run(
      ['/bin/bash', '-c', 'set -e; /usr/bin/mkdir -p -- "${1%/*}"; /usr/bin/cat >"$1"', 'write-file', `${WORKSPACE}/${relativePath}`],
      content,
    );
    if (r.exitCode !== 0) throw new Error(`Could not write ${WORKSPACE}/${relativePath} in the sandbox: ${r.output.trim()}`);
  }

  /** Extracts a tar archive into a folder of the sandbox (dockerode's archive upload). */
  async putArchive(tar: Buffer, path: string): Promise<void> {
    await this.#engine.call(() => this.#container.putArchive(tar, { path }));
  }

  /**
   * Writes files into a folder of the sandbox (which must exist), owned by `owner`. Only for a
   * sandbox nobody has used yet: the archive upload runs as root and follows symlinks.
   */
  async putFiles(dir: string, files: SandboxFile[], owner?: { uid: number; gid: number }): Promise<void> {
    await this.putArchive(await tarFiles(files, owner), dir);
  }

  /** Whether the container is still running. */
  async running(): Promise<boolean> {
    try {
      const info = await this.#engine.call(() => this.#container.inspect());
      return info.State.Running;
    } catch {
      return false;
    }
  }

  /**
   * Kills the whole sandbox container from outside: the last resort when a run cannot be ended from
   * within (it ignores signals, or holds every process slot so no helper can even start).
   */
  async kill(): Promise<void> {
    await this.#engine.call(() => this.#container.kill({ signal: 'SIGKILL' }));
    // `kill` returns once the signal is sent; the container is gone only when `wait` says so (a
    // Run made before that would exec into a dying container).
    await this.#engine.call(() => this.#container.wait(), 60_000);
  }

  /** Removes the container and everything labelled with this session (network, engine volume). */
  async remove(): Promise<void> {
    await removeSessionObjects(this.#engine, this.sessionId);
  }
}

/** Removes everything labelled with the session. */
export async function removeSessionObjects(engine: Engine, sessionId: string): Promise<void> {
  await engine.removeLabelled({ [LABELS.session]: sessionId });
}

/**
 * Creates and starts a session's sandbox and waits until its engine answers, reporting phases.
 * On any failure everything created so far is removed before the error is rethrown.
 */
export async function createSandbox(
  engine: Engine,
  sessionId: string,
  settings: SandboxSettings,
  opts: CreateSandboxOptions = {},
): Promise<Sandbox> {
  const phase = opts.onPhase ?? (() => undefined);
  const names = sandboxNames(sessionId);
  const labels = projectLabels({ [LABELS.session]: sessionId, [LABELS.instance]: settings.instance });
  if (!(await engine.imagePresent(settings.image))) await pullSandboxImage(engine, settings.image, phase);
  phase({ phase: 'creating-sandbox', message: 'Creating your sandbox' });
  try {
    await createSessionNetwork(engine, names.network, labels, settings.subnets ? subnetCandidates(settings.subnets, sessionId) : []);
    for (const a of opts.attach ?? []) {
      await engine.call(() =>
        engine.docker.getNetwork(names.network).connect({ Container: a.container, EndpointConfig: { Aliases: [a.alias] } }),
      );
    }
    if (settings.mode === 'isolated') {
      await engine.call(() => engine.docker.createVolume({ Name: names.volume, Labels: labels }));
    }
    const container = await engine.call(() => engine.docker.createContainer(sandboxCreateOptions(sessionId, settings)));
    await engine.call(() => container.start());
    const info = await engine.call(() => container.inspect());
    const address = info.NetworkSettings.Networks[names.network]?.IPAddress || undefined;
    const sandbox = new Sandbox(engine, sessionId, container.id, address, sandboxExecIdentity(settings));
    if (opts.install) await sandbox.putFiles(opts.install.dir, opts.install.files, sandboxFileOwner(settings));
    phase({ phase: 'starting-engine', message: settings.mode === 'host' ? 'Connecting to the host engine' : 'Starting its Docker engine' });
    await waitForInnerEngine(sandbox, opts.engineStartTimeoutMs ?? 60_000);
    phase({ phase: 'ready', message: 'Sandbox ready' });
    return sandbox;
  } catch (err) {
    await removeSessionObjects(engine, sessionId).catch(() => undefined);
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

/** Creates the session's network in the first free small subnet (or the engine's default pool). */
async function createSessionNetwork(engine: Engine, name: string, labels: Record<string, string>, subnets: string[]): Promise<void> {
  if (subnets.length === 0) {
    await engine.call(() => engine.docker.createNetwork({ Name: name, Labels: labels, Driver: 'bridge' }));
    return;
  }
  let last: unknown;
  for (const subnet of subnets) {
    try {
      await engine.call(() =>
        engine.docker.createNetwork({ Name: name, Labels: labels, Driver: 'bridge', IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] } }),
      );
      return;
    } catch (err) {
      last = err;
      // Taken by another network: try the next block.
      if (!/overlap|in use|already/i.test((err as Error).message)) throw err;
    }
  }
  throw new Error(`No free subnet for the session network in SANDBOX_SUBNETS (${(last as Error)?.message ?? 'all taken'}).`);
}

async function waitForInnerEngine(sandbox: Sandbox, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await sandbox.run(['/usr/bin/docker', 'version', '--format', '{{.Server.Version}}']);
    if (r.exitCode === 0) return;
    last = r.output.trim();
    if (!(await sandbox.running())) break;
    await new Promise((res) => setTimeout(res, ENGINE_POLL_MS));
  }
  const log = await sandbox.run(['/usr/bin/tail', '-n', '15', '/var/log/dockerd.log']).catch(() => ({ output: '' }));
  throw new Error(
    `The sandbox's Docker engine did not start within ${Math.round(timeoutMs / 1000)} s (${last}).\n` +
      `Its log ends with:\n${log.output.trim()}`,
  );
}

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
