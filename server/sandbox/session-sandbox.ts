import type { Duplex, Readable, Writable } from 'node:stream';
import type { SandboxFile } from './tar-files.ts';

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
  /** Rejects with ExecNotStartedError when the engine could not start the process at all. */
  exitCode(): Promise<number>;
}

/**
 * What runs, sessions, the warm pool and the inventory need from a session's sandbox. The real one
 * is `Sandbox` (a container, covered by the integration tests); unit tests use a fake.
 */
export interface SessionSandbox {
  readonly sessionId: string;
  readonly containerId: string;
  /** The sandbox's address on its session network (where its published ports answer). */
  readonly address: string | undefined;
  /** Starts a command in the sandbox; with `tty` the output is one raw stream, as in a terminal. */
  exec(opts: ExecOptions): Promise<ExecHandle>;
  /** Runs one of the server's own commands (a helper) and collects its output. */
  run(cmd: string[], input?: string | Buffer): Promise<{ output: string; exitCode: number }>;
  /** Writes a file of the workspace (a file block) as the sandbox's user. */
  writeFile(relativePath: string, content: string): Promise<void>;
  /** Writes files into a folder of a sandbox nobody has used yet. */
  putFiles(dir: string, files: SandboxFile[], owner?: { uid: number; gid: number }): Promise<void>;
  /**
   * Resolves once the sandbox's own Docker engine answers; rejects if it did not start. A sandbox
   * is handed out before that (the reader's `docker` waits for it); absent: ready when handed out.
   */
  readonly engineReady?: Promise<void>;
  /** Whether the container is still running. */
  running(): Promise<boolean>;
  /** Kills the whole sandbox from outside; resolves once it is gone. */
  kill(): Promise<void>;
  /** Removes the sandbox and everything labelled with its session. */
  remove(): Promise<void>;
  /**
   * A connection to a port inside the sandbox, for a sandbox whose address the server cannot
   * reach (on another host of a cluster); unset where the port proxy dials `address` itself.
   */
  readonly openPort?: ((port: number) => Promise<Duplex>) | undefined;
  /** Why the sandbox was lost, when it knows more than "it stopped" (its cluster node is down). */
  lostReason?(): Promise<string | undefined>;
}
