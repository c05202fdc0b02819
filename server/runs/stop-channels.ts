import type { Logger } from '../logger.ts';
import { after } from '../retry-until.ts';
import type { ExecHandle, SessionSandbox } from '../sandbox/session-sandbox.ts';
import { STOP_CHANNEL_COMMAND, stopChannelLine, stopRunCommand } from './run-exec.ts';

/**
 * Each sandbox's stop channel (run-exec.ts): opened when a sandbox gets its first run, so that Stop
 * writes one line instead of starting a new exec. A channel that is not open yet, or that ended (the
 * reader killed it, the sandbox went), falls back to the one-off stop helper.
 */
export class StopChannels {
  readonly #open = new WeakMap<SessionSandbox, Promise<ExecHandle | undefined>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Opens the sandbox's channel unless it is open or opening; never throws (Stop falls back). */
  open(sandbox: SessionSandbox): void {
    if (this.#open.has(sandbox)) return;
    const opening = sandbox.exec({ cmd: STOP_CHANNEL_COMMAND, tty: false, helper: true, stdin: true }).then(
      (handle) => {
        const closed = () => {
          if (this.#open.get(sandbox) === opening) this.#open.delete(sandbox);
        };
        // It prints nothing of its own; whatever comes out is read and dropped, so it never blocks.
        handle.output.on('data', () => undefined);
        handle.output.once('end', closed);
        handle.output.once('close', closed);
        handle.output.once('error', closed);
        handle.input.once('error', closed);
        return handle;
      },
      (err: unknown) => {
        this.#log.warn('Could not open the stop channel of a sandbox; Stop will start a helper instead', err);
        this.#open.delete(sandbox);
        return undefined;
      },
    );
    this.#open.set(sandbox, opening);
  }

  /**
   * Asks the sandbox to stop a run: SIGINT, then SIGKILL after `graceMs`. Through the channel when it is
   * open; when the run has not `ended` a second after the grace (the channel's shell was gone before its
   * stream said so), or without a channel, through the one-off helper. Resolves once that has finished;
   * rejects when the helper could not run.
   */
  async stop(sandbox: SessionSandbox, runId: string, graceMs: number, ended: Promise<unknown>): Promise<void> {
    const channel = await this.#open.get(sandbox);
    if (channel && !channel.input.writableEnded && !channel.input.destroyed) {
      const sent = await new Promise<boolean>((resolve) => channel.input.write(stopChannelLine(runId, graceMs), (err) => resolve(!err)));
      if (sent) {
        if (await Promise.race([ended.then(() => true), after(graceMs + 1000, false)])) return;
        // Still going: the channel's shell may be gone before its stream said so. The helper tries again.
      }
    }
    await sandbox.run(stopRunCommand(runId, graceMs));
  }
}
