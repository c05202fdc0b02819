import type { Phase, Sandbox } from '../sandbox/sandbox.ts';
import type { Run } from '../runs/run.ts';

/** Makes the sandbox of a session, reporting phases. */
export type SandboxFactory = (sessionId: string, onPhase: (p: Phase) => void) => Promise<Sandbox>;

/**
 * A visitor's session: its sandbox (made on first use, once, whoever asks first), and its runs.
 * A sandbox that died is replaced on the next Run, which is told its earlier state is gone.
 */
export class Session {
  readonly id: string;
  readonly owner: string;
  readonly createdAt = Date.now();
  lastUsed = Date.now();
  readonly runs = new Map<string, Run>();
  readonly #factory: SandboxFactory;
  #sandbox: Promise<Sandbox> | undefined;
  readonly #phaseListeners = new Set<(p: Phase) => void>();

  constructor(id: string, owner: string, factory: SandboxFactory) {
    this.id = id;
    this.owner = owner;
    this.#factory = factory;
  }

  /** The session's sandbox, created on first call; concurrent callers share one creation. */
  async sandbox(onPhase: (p: Phase) => void): Promise<Sandbox> {
    this.lastUsed = Date.now();
    this.#phaseListeners.add(onPhase);
    try {
      if (this.#sandbox) {
        const existing = await this.#sandbox.catch(() => undefined);
        if (existing && (await existing.running())) return existing;
        this.#sandbox = undefined;
      }
      if (this.#closed) throw new Error('This session has been closed. Reload the page to start a new one.');
      if (!this.#sandbox) {
        const creating = this.#factory(this.id, (p) => this.#phaseListeners.forEach((l) => l(p)));
        this.#sandbox = creating;
        creating.catch(() => {
          if (this.#sandbox === creating) this.#sandbox = undefined;
        });
      }
      return await this.#sandbox;
    } finally {
      this.#phaseListeners.delete(onPhase);
    }
  }

  #closed = false;

  /**
   * Marks the session closed (no new sandbox) and asks its runs to stop. Resolves once a sandbox
   * creation in flight has settled, so the caller can remove everything it made; `stopped`
   * resolves once every run has ended.
   */
  async close(): Promise<{ stopped: Promise<void> }> {
    this.#closed = true;
    const stopped = Promise.all([...this.runs.values()].map((r) => r.stop())).then(() => undefined);
    await this.#sandbox?.catch(() => undefined);
    return { stopped };
  }
}
