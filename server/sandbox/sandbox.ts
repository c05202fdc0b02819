import type { Duplex } from 'node:stream';
import type { Engine } from '../docker/engine.ts';
import { WORKSPACE } from './sandbox-template.ts';
import { ExecNotStartedError } from './exec-not-started-error.ts';
import { HELPER_ENV, HELPER_OUTPUT_BYTES, HelperOutputTooLargeError, helperCommand } from './sandbox-helper.ts';
import { openPortThroughExec } from './open-port-through-exec.ts';
import { removeSessionObjects } from './remove-session-objects.ts';
import { tarFiles, type SandboxFile } from './tar-files.ts';
import type { ExecHandle, ExecOptions, SessionSandbox } from './session-sandbox.ts';
import { retryUntil } from '../retry-until.ts';
import { WORKSPACE_CONFLICT, WRITE_FILE, workspaceConflict } from './write-file.ts';

export type { ExecHandle, ExecOptions, Phase } from './session-sandbox.ts';

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
          if (info.running || info.exitCode === null) return undefined;
          // The engine's 126 for a process it could not start, told apart from a command's own 126.
          if (info.pid === 0) throw new ExecNotStartedError();
          return info.exitCode;
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
