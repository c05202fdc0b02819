import { PassThrough } from 'node:stream';
import { lineLogger, type Logger } from '../../server/logger.ts';
import { ExecNotStartedError } from '../../server/sandbox/exec-not-started-error.ts';
import type { ExecHandle, ExecOptions, Phase, SessionSandbox } from '../../server/sandbox/session-sandbox.ts';
import type { SandboxFactory } from '../../server/sandbox/sandbox-factory.ts';

/**
 * Fakes for the unit tests of the stateful classes (Run, Session, SessionStore, the warm pool, the
 * stream). They do what the real sandbox does as far as those classes can see, in memory; the real
 * Sandbox is covered by the integration tests.
 */

/** One exec: output the test writes, input the run writes, and an exit code the test sets. */
export class FakeExec implements ExecHandle {
  readonly output = new PassThrough();
  readonly input = new PassThrough();
  readonly opts: ExecOptions;
  readonly typed: Buffer[] = [];
  readonly sizes: Array<{ cols: number; rows: number }> = [];
  #code: number | undefined;
  #resolve!: (code: number) => void;
  #reject!: (err: Error) => void;
  readonly #exited = new Promise<number>((resolve, reject) => {
    this.#resolve = resolve;
    this.#reject = reject;
  });

  constructor(opts: ExecOptions) {
    this.opts = opts;
    this.input.on('data', (c: Buffer) => this.typed.push(c));
  }

  get ended(): boolean {
    return this.#code !== undefined;
  }

  /** The command ends with this code: its output ends, then the engine reports the code. */
  end(code: number): void {
    if (this.#code !== undefined) return;
    this.#code = code;
    this.output.end();
    this.#resolve(code);
  }

  /** The engine could not start the process: it writes its reason into the output, which ends, and has no exit code of the process's. */
  notStarted(reason: string): void {
    if (this.#code !== undefined) return;
    this.#code = 126;
    this.output.end(`${reason}\r\n`);
    this.#reject(new ExecNotStartedError());
  }

  /** While set, each resize is recorded and then waits for it (an engine slow to answer). */
  resizeGate: Promise<void> | undefined;

  async resize(cols: number, rows: number): Promise<void> {
    this.sizes.push({ cols, rows });
    await this.resizeGate;
  }

  exitCode(): Promise<number> {
    return this.#exited;
  }
}

/** An error as dockerode gives it for an exec into a container that is not running. */
export const notRunning = () => Object.assign(new Error('(HTTP code 409) container is not running'), { statusCode: 409 });

export interface FakeSandboxOptions {
  /** What a helper command answers; by default Stop's signals end the run's exec (130 for INT). */
  helper?: (cmd: string[], sandbox: FakeSandbox) => Promise<{ output: string; exitCode: number }>;
  /** Its engine is still starting when it is handed out, until the test calls engineAnswers() or engineFails(). */
  engineStarting?: boolean;
}

export class FakeSandbox implements SessionSandbox {
  readonly sessionId: string;
  readonly containerId: string;
  readonly address = '10.0.0.2';
  alive = true;
  readonly execs: FakeExec[] = [];
  readonly helpers: string[][] = [];
  readonly files = new Map<string, string>();
  readonly engineReady: Promise<void>;
  /** The engine answers (with `engineStarting`). */
  engineAnswers: () => void = () => undefined;
  /** The engine did not start (with `engineStarting`). */
  engineFails: (err: Error) => void = () => undefined;
  readonly #opts: FakeSandboxOptions;

  constructor(sessionId: string, n: number, opts: FakeSandboxOptions = {}) {
    this.sessionId = sessionId;
    this.containerId = `${String(n).padStart(4, '0')}`.padEnd(64, 'c');
    this.#opts = opts;
    this.engineReady = opts.engineStarting
      ? new Promise<void>((resolve, reject) => {
          this.engineAnswers = resolve;
          this.engineFails = reject;
        })
      : Promise.resolve();
    this.engineReady.catch(() => undefined);
  }

  /** Execs of runs (TTY), not the server's helpers nor its stop channel. */
  get runs(): FakeExec[] {
    return this.execs.filter((e) => e.opts.tty);
  }

  async exec(opts: ExecOptions): Promise<FakeExec> {
    if (!this.alive) throw notRunning();
    const exec = new FakeExec(opts);
    this.execs.push(exec);
    // The stop channel: each line it reads stops a run as the one-off stop helper does.
    if (opts.cmd.includes('rdn-stop-channel'))
      exec.input.on('data', (line: Buffer) => void this.run(['rdn-stop-channel', ...line.toString().trim().split(' '), 'kill -INT, then -KILL']));
    return exec;
  }

  async run(cmd: string[]): Promise<{ output: string; exitCode: number }> {
    if (!this.alive) throw notRunning();
    this.helpers.push(cmd);
    if (this.#opts.helper) return this.#opts.helper(cmd, this);
    // The stop function's first signal: INT to the run's session (rdn_scan), or a channel line's stand-in.
    const signal = /(?:kill -|rdn_signal )(INT|KILL)/.exec(cmd.join(' '))?.[1];
    if (signal) for (const e of this.runs) e.end(signal === 'INT' ? 130 : 137);
    return { output: '', exitCode: 0 };
  }

  async writeFile(relativePath: string, content: string): Promise<void> {
    if (!this.alive) throw notRunning();
    this.files.set(relativePath, content);
  }

  async putFiles(): Promise<void> {}

  async running(): Promise<boolean> {
    return this.alive;
  }

  /** Set when the sandbox's cluster node does not answer (what lostReason then says). */
  nodeDown: string | undefined;

  async lostReason(): Promise<string | undefined> {
    return this.nodeDown;
  }

  /** Dies from outside (killed, engine restarted): every exec in it ends as a killed one does. */
  die(): void {
    this.alive = false;
    for (const e of this.execs) e.end(137);
  }

  async kill(): Promise<void> {
    this.die();
  }

  async remove(): Promise<void> {
    this.die();
  }
}

export interface FakeFactory {
  factory: SandboxFactory;
  made: FakeSandbox[];
  /** Session ids whose objects were removed (removeObjects). */
  removed: string[];
  removeObjects: (sessionId: string) => Promise<void>;
  /** While set, a creation waits for `release()` (a slow image pull or engine start). */
  hold(): void;
  release(): void;
  /** The next creations fail with this error. */
  failWith: Error | undefined;
  /** removeObjects fails with this error. */
  removeFailsWith: Error | undefined;
}

/** A sandbox factory that reports the real one's phases and makes FakeSandboxes. */
export function fakeFactory(opts: FakeSandboxOptions = {}): FakeFactory {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const f: FakeFactory = {
    made: [],
    removed: [],
    failWith: undefined,
    removeFailsWith: undefined,
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release() {
      open?.();
      gate = undefined;
    },
    async removeObjects(sessionId) {
      if (f.removeFailsWith) throw f.removeFailsWith;
      f.removed.push(sessionId);
      for (const s of f.made) if (s.sessionId === sessionId) s.die();
    },
    async factory(sessionId, onPhase: (p: Phase) => void) {
      onPhase({ phase: 'creating-sandbox', message: 'Creating your sandbox' });
      if (gate) await gate;
      if (f.failWith) throw f.failWith;
      const sandbox = new FakeSandbox(sessionId, f.made.length + 1, opts);
      f.made.push(sandbox);
      onPhase({ phase: 'starting-engine', message: 'Starting its Docker engine' });
      onPhase({ phase: 'ready', message: 'Sandbox ready' });
      return sandbox;
    },
  };
  return f;
}

/** A logger that keeps its lines (context included, as the server writes them) for a test to read. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    lineLogger((l) => lines.push(l)),
    { lines },
  );
}

/** Lets streams, promises and zero-delay timers run (the fake clock stays where it is). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => process.nextTick(r));
}
