import { EventEmitter } from 'node:events';
import type { RunInfo, RunStatus, ServerMessage } from '../protocol.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { after, retryUntil } from '../retry-until.ts';
import type { ExecHandle, Phase, SessionSandbox } from '../sandbox/session-sandbox.ts';
import { ENGINE_READY_FILE } from '../sandbox/docker-wrapper.ts';
import { runExecOptions } from './run-exec.ts';
import type { CutBefore, SpareShells } from './spare-shells.ts';
import { StopChannels } from './stop-channels.ts';
import { Transcript } from './transcript.ts';

const MAX_TYPE_AHEAD = 64 * 1024;
/** After a SIGKILL that was delivered, how long the run may take to be reported ended before the sandbox is. */
const KILL_SETTLE_MS = 10_000;
/** How long the stop helper may take beyond its grace (to start, and to find the run's pid file) before Stop gives up on it. */
const HELPER_START_MS = 4000;
/** After a Stop that took SIGKILL, when to look whether the sandbox can still start a process. */
const SATURATION_LOOK_AFTER_MS = 2000;
/** The exit of STILL_USABLE when the sandbox's engine, which had answered, no longer does. */
const ENGINE_GONE = 3;
/** A helper that starts (every process slot is not taken) and asks the sandbox's engine, if it had one ready. */
const STILL_USABLE = `[ -e ${ENGINE_READY_FILE} ] || exit 0; /usr/bin/timeout 10 /usr/bin/docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || exit ${ENGINE_GONE}`;
/** What a terminal sends for Ctrl-C: its line discipline turns it into SIGINT for the foreground job. */
const CTRL_C = '\x03';

/**
 * Stdin bytes a run may hold that its command has not taken yet. Above it, writers stop reading
 * from their clients until the exec's input drains: a command that never reads must not make the
 * server buffer whatever a client sends.
 */
/** How long a run goes before its sandbox's stop channel is opened (stop-channels.ts). */
const STOP_CHANNEL_AFTER_MS = 300;

export const STDIN_HIGH = 1024 * 1024;
const LATE_RESIZE_MS = 150;

/**
 * Whether the sandbox outlived the exec. A signal exit (>= 128) may mean the whole container was
 * killed, and its state can lag the exec's end by a moment: look again briefly before trusting it.
 */
async function sandboxSurvived(sandbox: SessionSandbox, exitCode: number, stopped: boolean, firstLook: Promise<boolean>): Promise<boolean> {
  // An exit of its own (below 128) means the process lived to exit: the sandbox did too.
  if (exitCode < 128) return true;
  // Killed containers report 137; a run we stopped ourselves needs no second look. Up to 2 s: on a
  // loaded host the engine reports the container gone well after the exec's end (0.4 s was outrun).
  const looks = exitCode === 137 && !stopped ? 20 : 1;
  let looked = false;
  const gone = await retryUntil(
    async () => {
      const running = looked ? await sandbox.running() : await firstLook;
      looked = true;
      return running ? undefined : true;
    },
    { tries: looks, delayMs: 100 },
  );
  return gone === undefined;
}

export interface RunOptions {
  id: string;
  sessionId: string;
  command: string;
  kind?: 'block' | 'terminal';
  block?: string | undefined;
  /** The run is stopped after this long (0: never). */
  timeoutMs: number;
  /** Variables every run gets (e.g. REGISTRY). */
  env?: string[];
  size?: { cols: number; rows: number } | undefined;
  outputLimit: number;
  stopGraceMs: number;
  /** A run nobody watches is stopped after this long. */
  detachedGraceMs: number;
  /** With the run's and session's ids set by the caller. */
  logger?: Logger;
  /** The sandboxes' stop channels, shared by the runs of a server (without: each Stop starts a helper). */
  stopChannels?: StopChannels;
  /** The sandboxes' spare shells, shared by the runs of a server (without: each run starts its own exec). */
  spareShells?: SpareShells;
}

interface RunEvents {
  output: [offset: number, data: Buffer];
  /** Keys typed (activity of the session's reader, unlike watching). */
  input: [];
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
  /** Keys typed and the latest size asked for before the exec started: applied when it does. */
  #pendingInput: Buffer[] = [];
  #pendingInputBytes = 0;
  #size: { cols: number; rows: number } | undefined;
  #watchers = 0;
  #detachTimer: NodeJS.Timeout | undefined;
  #timeoutTimer: NodeJS.Timeout | undefined;
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
    this.#size = opts.size;
    this.#log = opts.logger ?? silentLogger;
    this.#stopChannels = opts.stopChannels ?? new StopChannels(this.#log);
    this.#armDetachTimer();
  }

  /** When the run was made (ms since the epoch). */
  get createdAt(): number {
    return this.#createdAt;
  }

  get finished(): boolean {
    return this.status === 'exited' || this.status === 'failed';
  }

  info(): RunInfo {
    return {
      id: this.id,
      sessionId: this.sessionId,
      command: this.command,
      kind: this.kind,
      ...(this.block !== undefined ? { block: this.block } : {}),
      createdAt: this.#createdAt,
      status: this.status,
      ...(this.exitCode !== undefined ? { exitCode: this.exitCode } : {}),
      ...(this.durationMs !== undefined ? { durationMs: this.durationMs } : {}),
      ...(this.stopped ? { stopped: true as const } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
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
      let exec: ExecHandle;
      let startedWith = this.#size;
      const spares = this.#opts.spareShells;
      const spare = await spares?.run(sandbox, this.id, this.command, startedWith);
      // What the spare shell printed before the command is not the run's.
      const cut: CutBefore | undefined = spare?.cut;
      if (spare) {
        exec = spare.exec;
        startedWith = spare.size;
        // The next run finds its own spare ready.
        spares?.prepare(sandbox, startedWith);
      } else
        try {
          exec = await sandbox.exec(runExecOptions(this.id, this.command, startedWith, this.#opts.env));
        } catch (err) {
          // The sandbox died between two runs: get a new one (with its notice) and try once more.
          // 409: it stopped; 404: it was removed.
          const status = (err as { statusCode?: number }).statusCode;
          if (status !== 409 && status !== 404) throw err;
          onSandboxLost?.();
          this.#sandbox = await getSandbox(onPhase);
          if (this.#stopRequested) return this.#failBeforeStart();
          startedWith = this.#size;
          exec = await this.#sandbox.exec(runExecOptions(this.id, this.command, startedWith, this.#opts.env));
        }
      this.#exec = exec;
      this.#resolveExecKnown();
      // Once the command has run a moment, so Stop finds it open: not beside the command's start, where
      // it competes with it for the engine (a class of 50 arriving at once waited for 50 of them), and
      // never for a command that ends at once. A Stop before then starts a one-off helper instead.
      const running = this.#sandbox;
      setTimeout(() => {
        if (!this.finished) this.#stopChannels.open(running);
        // The session is in use: its next run should find a spare shell (made here, not beside this
        // run's own start, where it would compete with it).
        spares?.prepare(running, this.#size);
      }, STOP_CHANNEL_AFTER_MS).unref();
      // The wrapper set the size it was started with; a resize that came while the exec was being
      // made is applied once the wrapper's own stty is surely done.
      setTimeout(() => {
        if (this.#size && this.#size !== startedWith && !this.finished) void this.#resizeInOrder(this.#size);
      }, LATE_RESIZE_MS).unref();
      this.status = 'running';
      this.phase = undefined;
      this.emit('message', { type: 'phase', phase: 'ready', message: 'Running' });
      if (this.#opts.timeoutMs > 0) {
        this.#timeoutTimer = setTimeout(() => {
          // A Stop already under way is the reader's: its end must not read as a timeout.
          if (this.#stopRequested) return;
          this.#timedOut = true;
          void this.stop();
        }, this.#opts.timeoutMs);
        this.#timeoutTimer.unref();
      }
      for (const chunk of this.#pendingInput) exec.input.write(chunk);
      this.#pendingInput = [];
      let sized = false;
      const onOutput = (data: Buffer) => {
        const chunk = cut ? cut.cut(data) : data;
        if (!chunk) return;
        // The command's first output comes after the wrapper's stty: a resize that landed before that
        // stty (on a busy host, later than LATE_RESIZE_MS) was undone by it, so apply the latest again.
        if (!sized) {
          sized = true;
          if (this.#size && this.#size !== startedWith && !this.finished) void this.#resizeInOrder(this.#size);
        }
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
        return this.#fail('The shell that was to run this command ended before it could start it. Run the block again.');
      }
      // The first look whether the sandbox is still there goes out with the exit code's, not after it:
      // on a loaded host each is a round trip of its own to the engine.
      const firstLook = this.#sandbox.running().catch(() => false);
      // No exit code means the sandbox or the engine connection went: told to the reader just below.
      const code = await exec.exitCode().catch(() => undefined);
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
        const why = this.#closedBecause ?? this.#removedBecause ?? (await this.#sandbox.lostReason?.().catch(() => undefined));
        return this.#fail(why ?? 'The sandbox stopped during the run, so its state is gone. The next Run starts a new sandbox.');
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
    if (this.#exec) {
      this.#exec.input.write(data);
      this.emit('input');
      return true;
    }
    if (this.#pendingInputBytes + data.length > MAX_TYPE_AHEAD) return false;
    this.#pendingInput.push(data);
    this.#pendingInputBytes += data.length;
    this.emit('input');
    return true;
  }

  /** Input bytes not yet taken by the command (typed ahead, or queued towards the exec). */
  get inputBacklog(): number {
    return this.#exec ? this.#exec.input.writableLength : this.#pendingInputBytes;
  }

  /** Calls `cb` once the exec's input has drained, or the run has ended; returns a cancel. */
  whenInputDrains(cb: () => void): () => void {
    const input = this.#exec?.input;
    const cancel = () => {
      input?.off('drain', done);
      this.off('end', done);
    };
    const done = () => {
      cancel();
      cb();
    };
    if (this.finished || this.inputBacklog <= STDIN_HIGH) {
      queueMicrotask(cb);
      return () => undefined;
    }
    input?.on('drain', done);
    this.on('end', done);
    return cancel;
  }

  resize(cols: number, rows: number): void {
    if (this.finished) return;
    this.#size = { cols, rows };
    if (this.#exec) void this.#resizeInOrder(this.#size);
  }

  /** The size to ask the engine for once the resize in flight has answered (only the latest is kept). */
  #resizeNext: { cols: number; rows: number } | undefined;
  /** The resizes under way, until the engine has the latest size; undefined while none is. */
  #resizing: Promise<void> | undefined;

  /**
   * Resizes one after another, so the engine always ends at the latest size. One call is in flight
   * at a time and only the latest size waits behind it: a client sending resizes faster than the
   * engine answers them must not queue an engine call per frame.
   */
  #resizeInOrder(size: { cols: number; rows: number }): Promise<void> {
    this.#resizeNext = size;
    this.#resizing ??= (async () => {
      try {
        for (let next = this.#resizeNext; next; next = this.#resizeNext) {
          this.#resizeNext = undefined;
          // A resize racing the exec's end may fail; the next one (or the end) follows regardless.
          await this.#exec?.resize(next.cols, next.rows).catch(() => undefined);
        }
      } finally {
        this.#resizing = undefined;
      }
    })();
    return this.#resizing;
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
    if (sandbox && !(await this.#endsAfter(this.#stopChannels.stop(sandbox, this.id, this.#opts.stopGraceMs, this.ended)))) {
      // Signals could not end it (a fork bomb at the pids limit, where no helper starts): end the whole sandbox.
      this.#killedSandbox = sandbox
        .kill()
        .catch((e: unknown) => this.#log.warn('Stop could not kill the sandbox of a run that ignored its signals', e));
      await this.#killedSandbox;
    }
    await this.ended;
    if (sandbox && this.exitCode === 137 && !this.#killedSandbox) await this.#endIfSaturated(sandbox);
    return this.info();
  }

  /**
   * After a Stop that took SIGKILL: whether the sandbox can still start a process, and whether its own
   * engine (once it had answered) still does. A fork bomb in a container of the inner engine is out of
   * reach of the run's signals and keeps every process slot taken, so the next Run could not even start
   * its shell; a bomb at the pids limit can also take the engine down (it cannot make a thread), and no
   * one restarts it. Then the sandbox is ended (the next Run gets a new one, and says so) rather than
   * left unusable.
   */
  async #endIfSaturated(sandbox: SessionSandbox): Promise<void> {
    // A `docker run` killed as its container starts leaves that container starting: give a bomb in it
    // the moment it needs to take every slot, or the look below comes too early (the run has already
    // ended for the reader; only the next Run waits).
    await after(SATURATION_LOOK_AFTER_MS, undefined);
    const probe = sandbox.run(['/bin/bash', '-c', STILL_USABLE]).then(
      (r) => (r.exitCode === 0 ? ('ok' as const) : r.exitCode === ENGINE_GONE ? ('engine gone' as const) : ('failed' as const)),
      () => 'failed' as const,
    );
    const look = await Promise.race([probe, after(HELPER_START_MS, 'slow' as const)]);
    if (look === 'ok') return;
    this.#log.info(
      look === 'engine gone'
        ? "After Stop the sandbox's own Docker engine no longer answers: ending the sandbox"
        : 'After Stop no process could start in the sandbox (every process slot taken): ending the sandbox',
    );
    await sandbox.kill().catch((e: unknown) => this.#log.warn('could not end a sandbox left unusable after Stop', e));
  }

  /**
   * Whether the run ends once the stop helper has done its work. The helper is bounded: one that cannot
   * start (every process slot taken) must not hold Stop up. One that ran may have killed a command that
   * takes a moment to be reported ended on a busy host, and ending the whole sandbox for that would lose
   * the reader's state for nothing: that gets KILL_SETTLE_MS.
   */
  async #endsAfter(helper: Promise<unknown>): Promise<boolean> {
    const ended = this.ended.then(() => true as const);
    const ran = helper.then(
      () => 'ran' as const,
      () => 'failed' as const,
    );
    // The helper's own work: up to 2 s for the pid file, the grace, then the engine's round trips.
    const first = await Promise.race([ended, ran, after(HELPER_START_MS + this.#opts.stopGraceMs, false as const)]);
    if (first === true) return true;
    return Promise.race([ended, after(first === 'ran' ? KILL_SETTLE_MS : HELPER_START_MS, false as const)]);
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
    clearTimeout(this.#detachTimer);
    clearTimeout(this.#timeoutTimer);
    this.emit('message', message);
    this.emit('end');
    this.#resolveEnded();
  }
}
