import crypto from 'node:crypto';
import { HttpError, notFound } from '../http/http-error.ts';
import { Run } from '../runs/run.ts';
import type { Principal } from '../security/request-guard.ts';
import { principalKey } from '../security/request-guard.ts';
import { Session, type SandboxFactory } from './session.ts';

export interface SessionStoreOptions {
  factory: SandboxFactory;
  /** Removes everything a session owns in the engine (by label). */
  removeObjects: (sessionId: string) => Promise<void>;
  maxSessions: number;
  outputLimit: number;
  stopGraceMs: number;
  detachedGraceMs: number;
}

/**
 * All sessions and their runs. Lookups take the caller's principal: a session or run that is not
 * theirs is "not found", exactly like one that does not exist. The token holder sees everything.
 */
export class SessionStore {
  readonly #opts: SessionStoreOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #runs = new Map<string, Run>();

  constructor(opts: SessionStoreOptions) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** A browser's existing session, if it has one. */
  existingFor(principal: Principal): Session | undefined {
    if (principal.kind !== 'browser') return undefined;
    const key = principalKey(principal);
    return [...this.#sessions.values()].find((s) => s.owner === key);
  }

  create(principal: Principal): Session {
    if (this.#sessions.size >= this.#opts.maxSessions) {
      throw new HttpError(503, `All ${this.#opts.maxSessions} sessions are in use. Try again when one ends, or raise MAX_SESSIONS.`);
    }
    const session = new Session(crypto.randomUUID(), principalKey(principal), this.#opts.factory);
    this.#sessions.set(session.id, session);
    return session;
  }

  get(id: string, principal: Principal): Session {
    const s = this.#sessions.get(id);
    if (!s || !this.#mayUse(s, principal)) throw notFound('Session');
    return s;
  }

  run(id: string, principal: Principal): Run {
    const r = this.#runs.get(id);
    const s = r && this.#sessions.get(r.sessionId);
    if (!r || !s || !this.#mayUse(s, principal)) throw notFound('Run');
    return r;
  }

  /** Creates a run in the session and starts it in the background. */
  startRun(session: Session, command: string, size?: { cols: number; rows: number }): Run {
    const run = new Run({
      id: crypto.randomUUID(),
      sessionId: session.id,
      command,
      // A TTY needs a size from the start; scripts that send none get the classic 80x24.
      size: size ?? { cols: 80, rows: 24 },
      outputLimit: this.#opts.outputLimit,
      stopGraceMs: this.#opts.stopGraceMs,
      detachedGraceMs: this.#opts.detachedGraceMs,
    });
    session.runs.set(run.id, run);
    this.#runs.set(run.id, run);
    session.lastUsed = Date.now();
    void run.start((onPhase) => session.sandbox(onPhase));
    return run;
  }

  /** Stops the session's runs and removes its sandbox and everything labelled with it. */
  async delete(id: string, principal: Principal): Promise<void> {
    const session = this.get(id, principal);
    this.#sessions.delete(id);
    const { stopped } = await session.close();
    // Removing the sandbox ends every exec at once; the runs then end as failed.
    await this.#opts.removeObjects(id);
    await stopped;
    for (const runId of session.runs.keys()) this.#runs.delete(runId);
  }

  /** Removes every session (server shutdown). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => this.delete(s.id, { kind: 'token' }).catch(() => undefined)));
  }

  #mayUse(s: Session, p: Principal): boolean {
    return p.kind === 'token' || s.owner === principalKey(p);
  }
}
