import type { Duplex } from 'node:stream';
import type { Engine } from '../docker/engine.ts';
import { ImageMissingError } from '../docker/engine-error.ts';
import { WorkspaceConflictError } from '../domain-errors.ts';
import { LABELS, projectLabels } from '../docker/labels.ts';
import type { SandboxSettings } from './sandbox-settings.ts';
import { sandboxCreateOptions, sandboxExecIdentity, sandboxFileOwner, sandboxNames, WORKSPACE } from './sandbox-template.ts';
import { HELPER_ENV, HELPER_OUTPUT_BYTES, HelperOutputTooLargeError, helperCommand } from './sandbox-helper.ts';
import { subnetCandidates } from './session-subnet.ts';
import { openPortThroughExec } from './open-port-through-exec.ts';
import { tarFiles, type SandboxFile } from './tar-files.ts';
import type { ExecHandle, ExecOptions, Phase, SessionSandbox } from './session-sandbox.ts';
import type { Logger } from '../logger.ts';
import { retryUntil } from '../retry-until.ts';
import { onOverlay } from './on-overlay.ts';
import { startOnOverlay } from './start-on-overlay.ts';
import { StepTimer } from './step-timer.ts';
import { waitForEngine } from './wait-for-engine.ts';

export type { ExecHandle, ExecOptions, Phase } from './session-sandbox.ts';

export interface CreateSandboxOptions {
  onPhase?: (p: Phase) => void;
  /** Containers on the sandbox's engine (registries; on a cluster, the node's mirror) to join the session's network under an alias. */
  attach?: Array<{ container: string; alias: string }>;
  /** How long to wait for the inner engine to answer. */
  engineStartTimeoutMs?: number;
  /** Files to install before the sandbox is handed out (paths relative to `dir`). */
  install?: { dir: string; files: SandboxFile[] };
  /** Where a failed clean-up after a failed creation is reported, and the steps' timings. */
  logger?: Logger;
  /**
   * On a cluster: the node the sandbox goes on (its name and node id, put in a label), the manager
   * that makes the session's network as an attachable overlay, and how to remove the session's
   * objects everywhere. Unset: one engine holds everything (a bridge network).
   */
  cluster?: ClusterPlacement;
  /** How long the creation waited for its turn (the factory's gate), for the timings line. */
  queuedMs?: number;
  /** When the sandbox's engine may start (EngineStarts.run); unset: at once. */
  engineTurn?: (start: () => Promise<void>) => Promise<void>;
}

/** Where a sandbox on a cluster lives, and what it takes to remove it and to say it is unreachable. */
export interface ClusterPlacement {
  nodeId: string;
  nodeName: string;
  manager: Engine;
  removeObjects(): Promise<void>;
  /** The container exists (and is counted on its node from now on): the place held for it can go. */
  created(): void;
}

/** Who the sandbox's execs run as, and the environment every exec gets. */
export interface ExecIdentity {
  user: string | undefined;
  env: string[];
}

/** One session's sandbox container: exec commands in it, give it files, remove it and all it owns. */
export class Sandbox implements SessionSandbox {
  readonly sessionId: string;
  readonly containerId: string;
  /** The sandbox's address on its session network (where its published ports answer). */
  readonly address: string | undefined;
  /** Resolves once the sandbox's own engine answers (createSandbox hands the sandbox out before). */
  engineReady: Promise<void> = Promise.resolve();
  readonly #engine: Engine;
  readonly #identity: ExecIdentity;
  readonly #cluster: ClusterPlacement | undefined;

  constructor(
    engine: Engine,
    sessionId: string,
    containerId: string,
    address?: string,
    identity: ExecIdentity = { user: undefined, env: [] },
    cluster?: ClusterPlacement,
  ) {
    this.#engine = engine;
    this.sessionId = sessionId;
    this.containerId = containerId;
    this.address = address;
    this.#identity = identity;
    this.#cluster = cluster;
    // On another host the session network's addresses are out of the server's reach: port links
    // go through the node's Engine API instead (openPort).
    if (cluster) this.openPort = (port) => openPortThroughExec(this, port);
  }

  openPort: ((port: number) => Promise<Duplex>) | undefined;

  /** Why the sandbox is gone, when the server knows better than "it stopped": its node does not answer. */
  async lostReason(): Promise<string | undefined> {
    if (!this.#cluster) return undefined;
    // A node being stopped may still answer for a moment after its containers are gone: look a few times.
    const down = await retryUntil(
      async () =>
        this.#engine
          .version()
          .then(() => undefined)
          .catch(() => true),
      { tries: 10, delayMs: 300 },
    );
    return down ? `The sandbox's node ${this.#cluster.nodeName} is not reachable; Run again to get a new sandbox on another node.` : undefined;
  }

  /** Starts a command in the sandbox; with `tty` the output is one raw stream, as in a terminal. */
  async exec(opts: ExecOptions): Promise<ExecHandle> {
    const cmd = opts.helper ? helperCommand(opts.cmd) : opts.cmd;
    // Later entries win: the helper's fixed environment over anything else.
    const env = [...this.#identity.env, ...(opts.env ?? []), ...(opts.helper ? HELPER_ENV : [])];
    // Without a TTY the engine multiplexes stdout and stderr; the engine merges them back into one stream.
    const exec = await this.#engine.exec(this.containerId, {
      cmd,
      env,
      user: this.#identity.user,
      tty: opts.tty,
      stdin: opts.stdin ?? false,
      consoleSize: opts.tty && opts.cols && opts.rows ? [opts.rows, opts.cols] : undefined,
    });
    const resize = async (cols: number, rows: number) => {
      // Expected to fail when the exec has just ended; the run's end is reported on its own.
      await exec.resize(cols, rows).catch(() => undefined);
    };
    // Resizes are the caller's: it orders them (an older size must never land after a newer one).
    // Called once the output has ended: the process ends a moment later, unless the engine
    // connection was lost while it runs on; give up then rather than poll forever.
    const exitCode = async () => {
      const code = await retryUntil(
        async () => {
          const info = await exec.state();
          return !info.running && info.exitCode !== null ? info.exitCode : undefined;
        },
        { tries: 100, delayMs: 50 },
      );
      if (code !== undefined) return code;
      throw new Error('The command still runs, but its output stream was lost (the connection to the engine dropped).');
    };
    return { output: exec.output, input: exec.input, resize, exitCode };
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
    const file = `${WORKSPACE}/${relativePath}`;
    const r = await this.run(['/bin/bash', '-c', WRITE_FILE, 'write-file', file], content);
    if (r.exitCode === WORKSPACE_CONFLICT) throw workspaceConflict(file, r.output);
    if (r.exitCode !== 0) throw new Error(`Could not write ${file} in the sandbox: ${r.output.trim()}`);
  }

  /** Extracts a tar archive into a folder of the sandbox (dockerode's archive upload). */
  async putArchive(tar: Buffer, path: string): Promise<void> {
    await this.#engine.putArchive(this.containerId, tar, path);
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
      return (await this.#engine.containerState(this.containerId)).running;
    } catch {
      return false;
    }
  }

  /**
   * Kills the whole sandbox container from outside: the last resort when a run cannot be ended from
   * within (it ignores signals, or holds every process slot so no helper can even start).
   */
  async kill(): Promise<void> {
    await this.#engine.killContainer(this.containerId, 'SIGKILL');
    // `kill` returns once the signal is sent; the container is gone only when `wait` says so (a
    // Run made before that would exec into a dying container).
    await this.#engine.waitContainer(this.containerId, 60_000);
  }

  /** Removes the container and everything labelled with this session (network, engine volume). */
  async remove(): Promise<void> {
    if (this.#cluster) await this.#cluster.removeObjects();
    else await removeSessionObjects(this.#engine, this.sessionId);
  }
}

/** The write-file helper's exit status when the workspace is in the way; its output is then the reason and the path. */
const WORKSPACE_CONFLICT = 3;

/**
 * The file block's helper: it looks first at what is in the way (the reader's own doing, so a
 * conflict and not a server error) and says which of the four cases and where; then it writes.
 */
const WRITE_FILE = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion, not a template
  'f=$1; d=${f%/*}; p=$d',
  `in_way() { printf '%s\\n%s' "$1" "$2"; exit ${WORKSPACE_CONFLICT}; }`,
  '[ -d "$f" ] && in_way folder "$f"',
  // The nearest thing on the way down that exists must be a folder (a link to one will do).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion, not a template
  'while [ -n "$p" ] && [ ! -e "$p" ] && [ ! -L "$p" ]; do p=${p%/*}; done',
  '[ -z "$p" ] || [ -d "$p" ] || in_way not-a-folder "$p"',
  '/usr/bin/mkdir -p -- "$d" 2>/dev/null || in_way folder-not-writable "$p"',
  'if [ -e "$f" ]; then [ -w "$f" ] || in_way not-writable "$f"; else [ -w "$d" ] || in_way folder-not-writable "$d"; fi',
  '/usr/bin/cat >"$f"',
].join('\n');

/** The reader's words for what the helper found in the way of `file` (its output: the case, then the path). */
function workspaceConflict(file: string, output: string): WorkspaceConflictError {
  const [reason, reported = ''] = output.split('\n');
  // The path the helper names is one of `file`'s own folders, or the file: anything else is not trusted.
  const where = reported.startsWith(WORKSPACE) && (reported === file || file.startsWith(`${reported}/`)) ? reported : file;
  const again = 'then run the block again (or Restart session for a clean sandbox).';
  switch (reason) {
    case 'folder':
      return new WorkspaceConflictError(
        `${file} is a folder in your sandbox, so this file block cannot be written there. Remove it (rm -r ${file}) or rename it, ${again}`,
      );
    case 'not-a-folder':
      return new WorkspaceConflictError(
        `Cannot write ${file}: ${where} is not a folder (a file or a link). Remove it (rm ${where}) or rename it, ${again}`,
      );
    case 'not-writable':
      return new WorkspaceConflictError(
        `Cannot write ${file}: the file is not writable. Make it writable (chmod u+w ${file}) or remove it, ${again}`,
      );
    default:
      return new WorkspaceConflictError(`Cannot write ${file}: the folder ${where} is not writable. Make it writable (chmod u+w ${where}), ${again}`);
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
export async function createSandbox(engine: Engine, sessionId: string, settings: SandboxSettings, opts: CreateSandboxOptions = {}): Promise<Sandbox> {
  const phase = opts.onPhase ?? (() => undefined);
  const names = sandboxNames(sessionId);
  const labels = projectLabels({ [LABELS.session]: sessionId, [LABELS.instance]: settings.instance });
  const cluster = opts.cluster;
  if (!(await engine.imagePresent(settings.image))) await pullSandboxImage(engine, settings.image, phase);
  phase({ phase: 'creating-sandbox', message: cluster ? `Creating your sandbox on node ${cluster.nodeName}` : 'Creating your sandbox' });
  const steps = new StepTimer();
  try {
    const subnets = settings.subnets ? subnetCandidates(settings.subnets, sessionId) : [];
    // A stuck overlay is made again in a subnet not tried yet (start-on-overlay.ts).
    const triedSubnets = new Set<string>();
    const makeOverlay = async (manager: Engine) => {
      const subnet = await createOverlayNetwork(
        manager,
        names.network,
        labels,
        subnets.filter((s) => !triedSubnets.has(s)),
      );
      if (subnet) triedSubnets.add(subnet);
      return subnet;
    };
    const subnet = cluster ? await makeOverlay(cluster.manager) : await createSessionNetwork(engine, names.network, labels, subnets);
    steps.lap('network');
    // On one host the registries join the network while the container is made: each join is an
    // engine round trip of its own, and under a burst of new sessions these steps were most of a
    // creation. On a node each join waits for the manager's overlay too (onOverlay), and only once
    // the sandbox has started there: a start may remove and remake a stuck overlay
    // (start-on-overlay.ts), which a registry already joined to it would hold in use.
    const join = (a: { container: string; alias: string }) => () => engine.connectNetwork(names.network, a.container, [a.alias]);
    const overlay = { logger: opts.logger, onPhase: phase };
    const joinAll = () =>
      Promise.all(
        (opts.attach ?? []).map((a) => (cluster ? onOverlay(cluster.nodeName, join(a), { ...overlay, step: `join ${a.alias}` }) : join(a)())),
      );
    const attached = cluster ? undefined : joinAll();
    attached?.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled meanwhile
    if (settings.mode === 'isolated') {
      await engine.createVolume(names.volume, labels);
    }
    const spec = sandboxCreateOptions(sessionId, settings);
    let containerId: string;
    if (cluster) {
      spec.Labels = { ...spec.Labels, [LABELS.node]: cluster.nodeId };
      containerId = await startOnOverlay({
        engine,
        manager: cluster.manager,
        nodeName: cluster.nodeName,
        network: names.network,
        makeNetwork: () => makeOverlay(cluster.manager),
        subnet,
        spec,
        created: cluster.created,
        lap: (step) => steps.lap(step),
        wait: overlay,
      });
    } else {
      containerId = await engine.createContainer(spec);
      steps.lap('create');
      await engine.startContainer(containerId);
      steps.lap('start');
    }
    const address = (await engine.containerState(containerId)).networks[names.network]?.address;
    const sandbox = new Sandbox(engine, sessionId, containerId, address, sandboxExecIdentity(settings), cluster);
    if (opts.install) await sandbox.putFiles(opts.install.dir, opts.install.files, sandboxFileOwner(settings));
    steps.lap('install');
    await (attached ?? joinAll());
    steps.lap('attach');
    phase({ phase: 'starting-engine', message: settings.mode === 'host' ? 'Connecting to the host engine' : 'Starting its Docker engine' });
    // Handed out now, while its engine starts: a Run that needs no engine does not wait for one,
    // and `docker` waits for it in the sandbox (docker-wrapper.ts). Under a burst of new sessions
    // the engine's start-up was a third of each creation's time in the factory's gate.
    const turn = opts.engineTurn ?? ((start) => start());
    sandbox.engineReady = turn(() => {
      steps.lap('engine-turn');
      return waitForEngine(sandbox, opts.engineStartTimeoutMs ?? 60_000);
    }).then(
      () => {
        steps.lap('engine');
        opts.logger?.info(`Sandbox engine ready: ${steps.last(2)}`);
      },
      async (err: unknown) => {
        // A sandbox killed or removed meanwhile has no engine to wait for: nothing to report.
        if (await sandbox.running()) opts.logger?.warn('the sandbox engine did not start', err);
        throw err;
      },
    );
    // Whoever needs the engine awaits this; a failure nobody awaits was logged just above.
    sandbox.engineReady.catch(() => undefined);
    opts.logger?.info(`Sandbox made: queued ${Math.round(opts.queuedMs ?? 0)} ms, ${steps}`);
    phase({ phase: 'ready', message: 'Sandbox ready (docker commands wait for its engine while it starts)' });
    return sandbox;
  } catch (err) {
    await (cluster ? cluster.removeObjects() : removeSessionObjects(engine, sessionId)).catch((e: unknown) =>
      opts.logger?.warn('could not remove what a failed sandbox creation left (the next start-up sweeps it)', e),
    );
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

/** Creates the session's network in the first free small subnet (or the engine's default pool); returns the subnet. */
async function createSessionNetwork(
  engine: Engine,
  name: string,
  labels: Record<string, string>,
  subnets: string[],
  driver: 'bridge' | 'overlay' = 'bridge',
): Promise<string | undefined> {
  if (subnets.length === 0) {
    await engine.createNetwork(name, labels, undefined, driver);
    return undefined;
  }
  let last: unknown;
  for (const subnet of subnets) {
    try {
      await engine.createNetwork(name, labels, subnet, driver);
      return subnet;
    } catch (err) {
      last = err;
      // Taken by another network: try the next block.
      if (!/overlap|in use|already/i.test((err as Error).message)) throw err;
    }
  }
  throw new Error(`No free subnet for the session network in SANDBOX_SUBNETS (${(last as Error)?.message ?? 'all taken'}).`);
}

/**
 * The session's network on a cluster: an attachable overlay made through the manager, so the
 * sandbox can be on any node. One left by a sandbox whose node went down is taken over: the
 * manager keeps it until it drops that node's endpoint, and it is this session's own. Returns the
 * new overlay's subnet (undefined when one was taken over).
 */
async function createOverlayNetwork(manager: Engine, name: string, labels: Record<string, string>, subnets: string[]): Promise<string | undefined> {
  if ((await manager.listLabelled(labels)).networks.length > 0) return undefined;
  return createSessionNetwork(manager, name, labels, subnets, 'overlay');
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
