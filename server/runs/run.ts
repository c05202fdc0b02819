import { EventEmitter } from 'node:events';
import type { RunInfo, RunStatus, ServerMessage } from '../protocol.ts';
import type { ExecHandle, Phase, Sandbox } from '../sandbox/sandbox.ts';
import { runExecOptions, signalRunCommand } from './run-exec.ts';
import { Transcript } from './transcript.ts';

export interface RunOptions {
  id: string;
  sessionId: string;
  command: string;
  size?: { cols: number; rows: number } | undefined;
  outputLimit: number;
  stopGraceMs: number;
  /** A run nobody watches is stopped after this long. */
  detachedGraceMs: number;
}

interface RunEvents {
  output: [offset: number, data: Buffer];
  message: [ServerMessage];
  end: [];
}

/**
 * One Run of a block: an exec with a TTY in the session's sandbox, its bounded transcript, its
 * phase while the sandbox gets ready, and its end (exit code and duration, or the failure).
 */
export class Run extends EventEmitter<RunEvents> {
  readonly id: string;
  readonly sessionId: string;
  readonly command: string;
  readonly transcript: Transcript;
  status: RunStatus = 'starting';
  exitCode: number | undefined;
  durationMs: number | undefined;
  error: string | undefined;
  /** The latest phase while starting, replayed to clients that attach then. */
  phase: Phase | undefined;
  readonly #opts: RunOptions;
  readonly #createdAt = Date.now();
  #startedAt = 0;
  #sandbox: Sandbox | undefined;
  #exec: ExecHandle | undefined;
  #stopRequested = false;
  #watchers = 0;
  #detachTimer: NodeJS.Timeout | undefined;
  readonly ended: Promise<void>;
  #resolveEnded!: () => void;

  constructor(opts: RunOptions) {
    super();
    this.#opts = opts;
    this.id = opts.id;
    this.sessionId = opts.sessionId;
    this.command = opts.command;
    this.transcript = new Transcript(opts.outputLimit);
    this.ended = new Promise((r) => (this.#resolveEnded = r));
    this.#armDetachTimer();
  }

  get finished(): boolean {
    return this.status === 'exited' || this.status === 'failed';
  }

  info(): RunInfo {
    return {
      id: this.id,
      sessionId: this.sessionId,
      command: this.command,
      status: this.status,
      ...(this.exitCode !== undefined ? { exitCode: this.exitCode } : {}),
      ...(this.durationMs !== undefined ? { durationMs: this.durationMs } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  /** Gets the sandbox (reporting phases), starts the exec and streams its output until it ends. */
  async start(getSandbox: (onPhase: (p: Phase) => void) => Promise<Sandbox>): Promise<void> {
    try {
      const sandbox = await getSandbox((p) => {
        this.phase = p;
        this.emit('message', { type: 'phase', ...p });
      });
      if (this.#stopRequested) return this.#fail('Stopped before it started.');
      this.#sandbox = sandbox;
      this.#startedAt = Date.now();
      const exec = await sandbox.exec(runExecOptions(this.id, this.command, this.#opts.size));
      this.#exec = exec;
      this.status = 'running';
      exec.output.on('data', (chunk: Buffer) => {
        const offset = this.transcript.append(chunk);
        this.emit('output', offset, chunk);
      });
      await new Promise<void>((resolve) => {
        exec.output.once('end', resolve);
        exec.output.once('close', resolve);
        exec.output.once('error', resolve);
      });
      const code = await exec.exitCode().catch(() => undefined);
      if (code === undefined || !(await sandbox.running())) {
        return this.#fail('The sandbox stopped during the run, so its state is gone. The next Run starts a new sandbox.');
      }
      this.#finish(code);
    } catch (err) {
      this.#fail((err as Error).message);
    }
  }

  /** Sends bytes to the command's stdin (keys typed in the pane). */
  write(data: Buffer): boolean {
    if (!this.#exec || this.finished) return false;
    this.#exec.input.write(data);
    return true;
  }

  resize(cols: number, rows: number): void {
    if (this.#exec && !this.finished) void this.#exec.resize(cols, rows);
  }

  /** Ends the run: SIGINT to its processes, SIGKILL after the grace; resolves once it has ended. */
  async stop(): Promise<RunInfo> {
    if (this.finished) return this.info();
    this.#stopRequested = true;
    const sandbox = this.#sandbox;
    if (sandbox) {
      await sandbox.run(signalRunCommand(this.id, 'INT')).catch(() => undefined);
      const graceOver = new Promise<'grace'>((r) => setTimeout(() => r('grace'), this.#opts.stopGraceMs).unref());
      if ((await Promise.race([this.ended.then(() => 'ended' as const), graceOver])) === 'grace') {
        await sandbox.run(signalRunCommand(this.id, 'KILL')).catch(() => undefined);
      }
    }
    await this.ended;
    return this.info();
  }

  /** A client started watching; a run with no watchers is stopped after the detached grace. */
  attach(): void {
    this.#watchers++;
    clearTimeout(this.#detachTimer);
  }

  detach(): void {
    this.#watchers = Math.max(0, this.#watchers - 1);
    if (this.#watchers === 0) this.#armDetachTimer();
  }

  #armDetachTimer(): void {
    clearTimeout(this.#detachTimer);
    if (this.finished) return;
    this.#detachTimer = setTimeout(() => void this.stop(), this.#opts.detachedGraceMs);
    this.#detachTimer.unref();
  }

  #finish(exitCode: number): void {
    this.status = 'exited';
    this.exitCode = exitCode;
    this.durationMs = Date.now() - (this.#startedAt || this.#createdAt);
    this.#end({ type: 'exit', exitCode, durationMs: this.durationMs });
  }

  #fail(message: string): void {
    this.status = 'failed';
    this.error = message;
    this.durationMs = Date.now() - (this.#startedAt || this.#createdAt);
    this.#end({ type: 'error', message });
  }

  #end(message: ServerMessage): void {
    clearTimeout(this.#detachTimer);
    this.emit('message', message);
    this.emit('end');
    this.#resolveEnded();
  }
}
