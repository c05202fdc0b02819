import crypto from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { SandboxFactory } from './sandbox-factory.ts';
import type { PooledSandbox, WarmPool } from './warm-pool.ts';

const REFILL_DELAY_MS = 3000;

/**
 * A warm pool of ready sandboxes (engine started, mirror configured), so the first Run of a visit
 * costs about what a warm Run costs. Each sandbox is made under a fresh session id and handed to
 * exactly one new session (take() removes it synchronously); the pool refills in the background,
 * one sandbox at a time, so refilling never competes with itself for the engine.
 */
export class SandboxPool implements WarmPool {
  /** How many it keeps ready; an instructor's class size may raise it (then call fill()). */
  size: number;
  readonly #factory: SandboxFactory;
  readonly #remove: (sessionId: string) => Promise<void>;
  readonly #log: Logger;
  #entries: Array<PooledSandbox & { ready: boolean }> = [];
  #filling = false;
  #closed = false;
  #failures = 0;

  constructor(size: number, factory: SandboxFactory, remove: (sessionId: string) => Promise<void>, log: Logger) {
    this.size = size;
    this.#factory = factory;
    this.#remove = remove;
    this.#log = log;
  }

  /** Ready sandboxes waiting for a session. */
  get ready(): number {
    return this.#entries.filter((e) => e.ready).length;
  }

  /** Hands one pooled sandbox (ready first, else one being made) to a new session, never twice. */
  take(): PooledSandbox | undefined {
    const i = Math.max(
      0,
      this.#entries.findIndex((e) => e.ready),
    );
    const [entry] = this.#entries.splice(i, 1);
    this.#failures = 0; // a new visitor is a reason to try again after failures
    // Refill a little later: making a sandbox now would compete with the new session's first Run.
    setTimeout(() => this.fill(), REFILL_DELAY_MS).unref();
    return entry && { sessionId: entry.sessionId, sandbox: entry.sandbox };
  }

  /** Tops the pool up to its size, one sandbox at a time. */
  fill(): void {
    if (this.#filling || this.#closed || this.size === 0) return;
    this.#filling = true;
    void (async () => {
      while (!this.#closed && this.#entries.length < this.size && this.#failures < 3) {
        const sessionId = crypto.randomUUID();
        const sandbox = this.#factory(sessionId, () => undefined);
        const entry = { sessionId, sandbox, ready: false };
        this.#entries.push(entry);
        try {
          // Ready means its engine answers too: a pooled first Run of `docker` should not wait.
          await (await sandbox).engineReady;
          entry.ready = true;
          this.#failures = 0;
        } catch (err) {
          this.#entries = this.#entries.filter((e) => e !== entry);
          this.#failures++;
          this.#log.child({ session: sessionId }).info(`Warm pool: could not make a sandbox (${(err as Error).message.split('\n')[0]}).`);
          if (this.#failures >= 3) this.#log.info('Warm pool: paused after 3 failures; sessions make their own sandboxes.');
        }
      }
      this.#filling = false;
    })();
  }

  /** Removes every pooled sandbox (server shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = this.#entries;
    this.#entries = [];
    await Promise.all(
      entries.map(async (e) => {
        // A creation that failed was logged by fill(); what it left is removed just below all the same.
        await e.sandbox.catch(() => undefined);
        await this.#remove(e.sessionId).catch((err: unknown) =>
          this.#log.child({ session: e.sessionId }).warn('Warm pool: could not remove a pooled sandbox (the next start-up sweeps it)', err),
        );
      }),
    );
  }
}
