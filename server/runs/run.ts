import { EventEmitter } from 'node:events';
import type { RunInfo, RunStatus, ServerMessage } from '../protocol.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { ExecNotStartedError } from '../sandbox/exec-not-started-error.ts';
import type { ExecHandle, Phase, SessionSandbox } from '../sandbox/session-sandbox.ts';
import { openRunExec } from './open-run-exec.ts';
import { RunInput } from './run-input.ts';
import type { RunEvents } from './run-events.ts';
import { runInfo } from './run-info.ts';
import type { RunOptions } from './run-options.ts';
import { RunSize } from './run-size.ts';
import { StopChannels } from './stop-channels.ts';
import { endIfSaturated, endsAfter, NOT_STARTED, sandboxSurvived } from './stop-checks.ts';
import { StopTimers } from './stop-timers.ts';
import { Transcript } from './transcript.ts';

/** What a terminal sends for Ctrl-C: its line discipline turns it into SIGINT for the foreground job. */
const CTRL_C = '\x03';
/** How long a run goes before its sandbox's stop channel is opened (stop-channels.ts). */
const STOP_CHANNEL_AFTER_MS = 300;
/** When the engine could not start the run's shell in a sandbox that is still there. */
const NOT_STARTED_MESSAGE =
  "The sandbox could not start this run's shell (the engine's reason is in the output). Something an earlier run left going may hold every process slot or all the memory: end it, or press Restart session, then Run again.";

/**
 * One Run of a block: an exec with a TTY in the session's sandbox, its bounded transcript, its
 * phase while the sandbox gets ready, and its end (exit code and duration, or the failure).
 */
export class Run extends EventEmitter<RunEvents> {
  readonly id: string;
  readonly sessionId: string;
  readonly command: string;
  readonly kind: 'block' | 'terminal';
  readonly block: string | undefined;
  readonly transcript: Transcript;
  status: RunStatus = 'starting';
  exitCode: number | undefined;
  durationMs: number | undefined;
  error: string | undefined;
  /** Ended because it was asked to stop (not by itself, and not by the run timeout, which is a failure). */
  stopped = false;
  /** The latest phase while starting, replayed to clients that attach then. */
  phase: Phase | undefined;
  readonly #opts: RunOptions;
  readonly #createdAt = Date.now();
  #startedAt = 0;
  #sandbox: SessionSandbox | undefined;
  #started = false;
  readonly #log: Logger;
  readonly #stopChannels: StopChannels;
  #exec: ExecHandle | undefined;
  /** Resolves once the exec exists (or the run ended without one): a Stop that came before waits for it. */
  readonly #execKnown: Promise<void>;
  #resolveExecKnown!: () => void;
  #stopRequested = false;
  /** The one stop under way, which every later Stop joins. */
  #stopping: Promise<RunInfo> | undefined;
  /** Why the server removed the sandbox under this run, when it did (e.g. the host ran low on disk). */
  #removedBecause: string | undefined;
  /** Why the server itself ended the run (it shuts down, the login ended): the run fails with it. */
  #closedBecause: string | undefined;
  /** Set when Stop had to kill the sandbox container (signals could not end the run); resolves once it is gone. */
  #killedSandbox: Promise<void> | undefined;
  /** Keys typed before the exec started wait in it: applied when it does. */
  readonly #input = new RunInput();
  /** The latest size asked for, and the resizes that bring the exec's terminal to it. */
  readonly #size: RunSize;
  /** Its run timeout, and the detached grace once nobody watches it. */
  readonly #timers: StopTimers;
  #timedOut = false;
  readonly ended: Promise<void>;
  #resolveEnded!: () => void;

  constructor(opts: RunOptions) {
    super();
    this.#opts = opts;
    this.id = opts.id;
    this.sessionId = opts.sessionId;
    this.command = opts.command;
    this.kind = opts.kind ?? 'block';
    this.block = opts.block;
    this.transcript = new Transcript(opts.outputLimit);
    this.ended = new Promise((r) => (this.#resolveEnded = r));
    this.#execKnown = new Promise((r) => (this.#resolveExecKnown = r));
    this.#size = new RunSize(opts.size, () => this.finished);
    this.#log = opts.logger ?? silentLogger;
    this.#stopChannels = opts.stopChannels ?? new StopChannels(this.#log);
    this.#timers = new StopTimers(this, opts.timeoutMs, opts.detachedGraceMs);
  }

  /** When the run was made (ms since the epoch). */
  get createdAt(): number {
    return this.#createdAt;
  }

  get finished(): boolean {
    return this.status === 'exited' || this.status === 'failed';
  }

  info(): RunInfo {
    return runInfo(this);
  }

  /** Gets the sandbox (reporting phases), starts the exec and streams its output until it ends. */
  async start(getSandbox: (onPhase: (p: Phase) => void) => Promise<SessionSandbox>, onSandboxLost?: () => void): Promise<void> {
    this.#started = true;
    const onPhase = (p: Phase) => {
      if (p.phase === 'ready') return; // announced below, once the command really runs
      this.phase = p;
      this.emit('message', { type: 'phase', ...p });
    };
    try {
      const sandbox = await getSandbox(onPhase);
      if (this.#stopRequested) return this.#failBeforeStart();
      this.#sandbox = sandbox;
      this.#startedAt = Date.now();
      const spares = this.#opts.spareShells;
      const opened = await openRunExec(sandbox, {
        id: this.id,
        command: this.command,
        env: this.#opts.env,
        spares,
        size: () => this.#size.latest,
        stopRequested: () => this.#stopRequested,
        getSandbox: () => getSandbox(onPhase),
        onSandboxLost,
      });
      if (!opened) return this.#failBeforeStart();
      const { exec, spare } = opened;
      this.#sandbox = opened.sandbox;
      // What the spare shell printed before the command is not the run's.
      const cut = spare?.cut;
      this.#exec = exec;
      this.#input.connect(exec.input);
      this.#resolveExecKnown();
      // Once the command has run a moment, so Stop finds it open: not beside the command's start, where
      // it competes with it for the engine (a class of 50 arriving at once waited for 50 of them), and
      // never for a command that ends at once. A Stop before then starts a one-off helper instead.
      const running = this.#sandbox;
      setTimeout(() => {
        if (!this.finished) this.#stopChannels.open(running);
        // The session is in use: its next run should find a spare shell (made here, not beside this
        // run's own start, where it would compete with it).
        spares?.prepare(running, this.#size.latest);
      }, STOP_CHANNEL_AFTER_MS).unref();
      this.#size.started(exec, opened.startedWith);
      this.status = 'running';
      this.phase = undefined;
      this.emit('message', { type: 'phase', phase: 'ready', message: 'Running' });
      this.#timers.startTimeout(() => {
        // A Stop already under way is the reader's: its end must not read as a timeout.
        if (this.#stopRequested) return;
        this.#timedOut = true;
        void this.stop();
      });
      this.#input.flush();
      const onOutput = (data: Buffer) => {
        const chunk = cut ? cut.cut(data) : data;
        if (!chunk) return;
        this.#size.output();
        const offset = this.transcript.append(chunk);
        this.emit('output', offset, chunk);
      };
      if (spare?.first) onOutput(spare.first);
      exec.output.on('data', onOutput);
      // A spare shell's output comes paused (so none is lost before this listener); a holder keeps it so.
      if (this.#holders.size > 0) exec.output.pause();
      else exec.output.resume();
      await new Promise<void>((resolve) => {
        exec.output.once('end', resolve);
        exec.output.once('close', resolve);
        exec.output.once('error', resolve);
      });
      if (cut && !cut.passed && !this.#stopRequested) {
        // The spare shell ended before it started the command (something in the sandbox ended it).
        onSandboxLost?.();
        return this.#fail(
          (await this.#lostBecause()) ?? 'The shell that was to run this command ended before it could start it. Run the block again.',
        );
      }
      // The first look whether the sandbox is still there goes out with the exit code's, not after it:
      // on a loaded host each is a round trip of its own to the engine.
      const firstLook = this.#sandbox.running().catch(() => false);
      // No exit code means the sandbox or the engine connection went: told to the reader just below.
      const code = await exec.exitCode().catch((err: unknown) => (err instanceof ExecNotStartedError ? NOT_STARTED : undefined));
      if (this.#killedSandbox) {
        await this.#killedSandbox;
        onSandboxLost?.();
        if (this.#closedBecause) return this.#fail(this.#closedBecause);
        const why = this.#timedOut ? `It reached its run timeout (${Math.round(this.#opts.timeoutMs / 1000)} s)` : 'Stop was pressed';
        return this.#fail(
          `${why}, but the command ignored its signals or held every process slot, so the whole sandbox was ended: its files, containers and variables are gone. The next Run starts a new sandbox.`,
        );
      }
      if (code === undefined || !(await sandboxSurvived(this.#sandbox, code, this.#stopRequested, firstLook))) {
        onSandboxLost?.();
        return this.#fail(
          (await this.#lostBecause()) ?? 'The sandbox stopped during the run, so its state is gone. The next Run starts a new sandbox.',
        );
      }
      if (code === NOT_STARTED) {
        // The container can outlive its node's engine a moment (the node is going down): that is asked too.
        onSandboxLost?.();
        return this.#fail((await this.#lostBecause()) ?? NOT_STARTED_MESSAGE);
      }
      if (this.#timedOut) {
        this.exitCode = code;
        return this.#fail(
          `Stopped after ${Math.round(this.#opts.timeoutMs / 1000)} s, the run timeout. A block can raise it with timeout=SECONDS in its meta.`,
        );
      }
      if (this.#closedBecause) {
        this.exitCode = code;
        return this.#fail(this.#closedBecause);
      }
      this.#finish(code);
    } catch (err) {
      this.#fail((err as Error).message);
    }
  }

  /** Why the sandbox went, when the server knows: it is closing the run, it removed it, or its node does not answer. */
  async #lostBecause(): Promise<string | undefined> {
    return this.#closedBecause ?? this.#removedBecause ?? (await this.#sandbox?.lostReason?.().catch(() => undefined));
  }

  readonly #holders = new Set<object>();

  /** A watcher cannot take more output now: pause the exec's stream (backpressure reaches the command). */
  hold(holder: object): void {
    this.#holders.add(holder);
    if (this.#holders.size === 1 && !this.#stopRequested) this.#exec?.output.pause();
  }

  /** That watcher caught up (or left); resume once nobody holds the stream. */
  release(holder: object): void {
    if (!this.#holders.delete(holder)) return;
    if (this.#holders.size === 0) this.#exec?.output.resume();
  }

  /** Sends bytes to the command's stdin (keys typed in the pane); typed ahead while starting, they wait. */
  write(data: Buffer): boolean {
    if (this.finished) return false;
    if (!this.#input.write(data)) return false;
    this.emit('input');
    return true;
  }

  /** Input bytes not yet taken by the command (typed ahead, or queued towards the exec). */
  get inputBacklog(): number {
    return this.#input.backlog;
  }

  /** Calls `cb` once the exec's input has drained, or the run has ended; returns a cancel. */
  whenInputDrains(cb: () => void): () => void {
    return this.#input.whenDrains(this, cb);
  }

  resize(cols: number, rows: number): void {
    if (this.finished) return;
    this.#size.ask(cols, rows);
  }

  /** The server is about to remove this run's sandbox: the run then fails with this reason, not a guess. */
  sandboxRemovedBecause(message: string): void {
    this.#removedBecause = message;
  }

  /**
   * Ends the run for the server's own reason (it shuts down, the reader's login ended): stopped as a
   * Stop is, but it fails with that reason, so the reader is told why and not "Stopped".
   */
  close(reason: string): Promise<RunInfo> {
    this.#closedBecause ??= reason;
    return this.stop();
  }

  /**
   * Ends the run: SIGINT to its processes, SIGKILL after the grace; resolves once it has ended. Stop
   * pressed again (or the timeout meeting a Stop) joins the first: a second Ctrl-C would land while
   * the run's shell saves the state on its way out, and cut that short.
   */
  stop(): Promise<RunInfo> {
    if (this.finished) return Promise.resolve(this.info());
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<RunInfo> {
    this.#stopRequested = true;
    // Never started (refused before it could be): nothing will end it but this.
    if (!this.#started) {
      this.#failBeforeStart();
      return this.info();
    }
    // Its exec is being started (a spare shell given the command, an exec made, or a lost sandbox
    // replaced): the Ctrl-C needs the run's terminal and the stop helper its pid file, in the sandbox
    // the exec really runs in. Without this wait the helper gave up on a pid file not written yet (on a
    // busy host), the whole sandbox was then ended for a run that had just begun, or the command went
    // on unstoppable in a replacement sandbox.
    await Promise.race([this.#execKnown, this.ended]);
    if (this.finished) return this.info();
    // Stop must not wait behind a slow reader: let the rest of the output drain.
    this.#holders.clear();
    this.#exec?.output.resume();
    // Ctrl-C through the run's own terminal reaches its foreground job at once, where a helper exec
    // costs a round trip to the engine (hundreds of ms on a busy host); it is the run's shell's only INT.
    // The stop channel's INT to the rest of the process session follows, for background jobs and for
    // programs that read the terminal raw.
    if (this.#exec && !this.#exec.input.writableEnded) this.#exec.input.write(CTRL_C);
    const sandbox = this.#sandbox;
    const grace = this.#opts.stopGraceMs;
    if (sandbox && !(await endsAfter(this.#stopChannels.stop(sandbox, this.id, grace, this.ended), this.ended, grace))) {
      // Signals could not end it (a fork bomb at the pids limit, where no helper starts): end the whole sandbox.
      this.#killedSandbox = sandbox
        .kill()
        .catch((e: unknown) => this.#log.warn('Stop could not kill the sandbox of a run that ignored its signals', e));
      await this.#killedSandbox;
    }
    await this.ended;
    if (sandbox && this.exitCode === 137 && !this.#killedSandbox) await endIfSaturated(sandbox, this.#log);
    return this.info();
  }

  /** A client started watching; a run with no watchers is stopped after the detached grace. */
  attach(): void {
    this.#timers.attach();
  }

  detach(): void {
    this.#timers.detach();
  }

  #finish(exitCode: number): void {
    this.status = 'exited';
    this.exitCode = exitCode;
    this.durationMs = Date.now() - (this.#startedAt || this.#createdAt);
    this.stopped = this.#stopRequested && !this.#timedOut;
    this.#end({ type: 'exit', exitCode, durationMs: this.durationMs, ...(this.stopped ? { stopped: true as const } : {}) });
  }

  /** Asked to stop before its command started: by the reader (`stopped`), or for the server's own reason. */
  #failBeforeStart(): void {
    if (this.#closedBecause) this.#fail(this.#closedBecause);
    else this.#fail('Stopped before it started.', true);
  }

  /** `stopped`: it failed only because it was asked to stop first (it never started). */
  #fail(message: string, stopped = false): void {
    this.status = 'failed';
    this.error = message;
    this.durationMs = Date.now() - (this.#startedAt || this.#createdAt);
    this.stopped = stopped;
    this.#end({ type: 'error', message, ended: true, ...(stopped ? { stopped: true as const } : {}) });
  }

  #end(message: ServerMessage): void {
    this.#resolveExecKnown();
    this.#timers.cancel();
    this.emit('message', message);
    this.emit('end');
    this.#resolveEnded();
  }
}
