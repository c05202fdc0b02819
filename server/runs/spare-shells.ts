import type { Logger } from '../logger.ts';
import type { ExecHandle, SessionSandbox } from '../sandbox/session-sandbox.ts';
import { SPARE_GO, spareExecOptions, spareInput } from './run-exec.ts';

type Size = { cols: number; rows: number };

/** How long a run waits for its spare shell to say the command started before it goes on (cutting, as it streams). */
const GO_WAIT_MS = 2000;

/** One spare shell: its exec (being started, or open), the size of its terminal, and whether it ended. */
interface Spare {
  exec: Promise<ExecHandle | undefined>;
  size: Size | undefined;
  closed: boolean;
  /** Reads (and drops) its output while it waits, so its end is seen. */
  drain: () => void;
}

/** A run's exec in a spare shell, and how to cut what the shell printed before the command. */
export interface SpareRun {
  exec: ExecHandle;
  size: Size | undefined;
  /** Drops what the shell printed before the command, if that had not all come when the run was handed over. */
  cut: CutBefore;
  /** The command's first output, if it came with the mark that it started. */
  first: Buffer | undefined;
}

/**
 * Each sandbox's spare shell (run-exec.ts): a run's exec started ahead of the run, waiting for its
 * command. A warm click then costs a write to an open exec instead of an exec of its own, which on
 * the engine is most of the time to a first byte. One per sandbox; the run that takes it asks for the
 * next. A spare that ended (the reader killed it, the sandbox went) is dropped: the run makes its own
 * exec, as it does when there is no spare.
 */
export class SpareShells {
  readonly #spares = new WeakMap<SessionSandbox, Spare>();
  readonly #log: Logger;
  readonly #env: string[];

  constructor(log: Logger, env: string[] = []) {
    this.#log = log;
    this.#env = env;
  }

  /** Starts a spare shell in the sandbox unless it has one; never throws (runs make their own exec). */
  prepare(sandbox: SessionSandbox, size?: Size): void {
    if (this.#spares.has(sandbox)) return;
    const spare: Spare = { exec: Promise.resolve(undefined), size, closed: false, drain: () => undefined };
    const close = () => {
      spare.closed = true;
      if (this.#spares.get(sandbox) === spare) this.#spares.delete(sandbox);
    };
    spare.exec = sandbox.exec(spareExecOptions(size, this.#env)).then(
      async (handle) => {
        const drop = () => undefined;
        handle.output.on('data', drop);
        spare.drain = () => handle.output.off('data', drop);
        handle.output.once('end', close);
        handle.output.once('close', close);
        handle.output.once('error', close);
        handle.input.once('error', close);
        // Engines before API 1.42 start a TTY exec at 0x0: size it now, while nobody waits for it.
        if (size) await handle.resize(size.cols, size.rows);
        return handle;
      },
      (err: unknown) => {
        this.#log.warn('Could not start a spare shell in a sandbox; runs will start their own exec', err);
        close();
        return undefined;
      },
    );
    this.#spares.set(sandbox, spare);
  }

  /**
   * Runs `command` as run `runId` in the sandbox's spare shell, if it has one open (or opening): sized
   * first when the run wants another size, then given the command. Resolves once the command starts
   * (or GO_WAIT_MS has passed: `cut` then still drops what comes before it), with the exec's output
   * paused for the run to resume. Undefined when there is none, or it ended before it started the
   * command, which then never ran: the run makes its own exec.
   */
  async run(sandbox: SessionSandbox, runId: string, command: string, size: Size | undefined): Promise<SpareRun | undefined> {
    const spare = this.#spares.get(sandbox);
    if (!spare || spare.closed) return undefined;
    this.#spares.delete(sandbox);
    const exec = await spare.exec;
    if (!exec || spare.closed) return undefined;
    if (size && (size.cols !== spare.size?.cols || size.rows !== spare.size?.rows)) await exec.resize(size.cols, size.rows);
    if (spare.closed) return undefined;
    spare.drain();
    const cut = new CutBefore(SPARE_GO);
    let first: Buffer | undefined;
    const output = exec.output;
    const started = new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        output.off('data', onData);
        output.off('end', onEnd);
        output.off('close', onEnd);
        // The run resumes it once it listens: chunks emitted before then would be lost.
        output.pause();
        resolve(ok);
      };
      const onData = (chunk: Buffer) => {
        first = cut.cut(chunk);
        if (cut.passed) done(true);
      };
      const onEnd = () => done(false);
      const timer = setTimeout(() => done(true), GO_WAIT_MS);
      output.on('data', onData);
      output.once('end', onEnd);
      output.once('close', onEnd);
    });
    const written = await new Promise<boolean>((resolve) => exec.input.write(spareInput(runId, command), (err) => resolve(!err)));
    if (!(await started) || !written) return undefined;
    return { exec, size: size ?? spare.size, cut, first };
  }
}

/**
 * A filter over a stream's chunks that drops everything up to and including the first `marker`
 * (which may span chunks), then passes every chunk through as it is. Holds at most the marker's
 * length of what it drops.
 */
export class CutBefore {
  readonly #marker: Buffer;
  #tail = Buffer.alloc(0);
  /** Whether the marker has come. */
  passed = false;

  constructor(marker: Buffer) {
    this.#marker = marker;
  }

  /** What of `chunk` comes after the marker (undefined: nothing). */
  cut(chunk: Buffer): Buffer | undefined {
    if (this.passed) return chunk;
    const joined = this.#tail.length ? Buffer.concat([this.#tail, chunk]) : chunk;
    const at = joined.indexOf(this.#marker);
    if (at < 0) {
      this.#tail = Buffer.from(joined.subarray(Math.max(0, joined.length - this.#marker.length + 1)));
      return undefined;
    }
    this.passed = true;
    this.#tail = Buffer.alloc(0);
    const rest = joined.subarray(at + this.#marker.length);
    return rest.length ? rest : undefined;
  }
}
