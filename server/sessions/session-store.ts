import crypto from 'node:crypto';
import { AtCapacityError, LimitReachedError, notFound, RequestConflictError } from '../domain-errors.ts';
import type { Logger } from '../logger.ts';
import type { RunInfo } from '../protocol.ts';
import { DEFAULT_RUN_SIZE } from '../runs/run-exec.ts';
import { Run } from '../runs/run.ts';
import type { SpareShells } from '../runs/spare-shells.ts';
import { StopChannels } from '../runs/stop-channels.ts';
import type { Principal } from '../security/request-guard.ts';
import { principalKey } from '../security/request-guard.ts';
import type { SandboxFactory } from '../sandbox/sandbox-factory.ts';
import type { WarmPool } from '../sandbox/warm-pool.ts';
import { Session } from './session.ts';

/** Finished runs kept per session (for re-attaching after a reload), and runs going at once. */
const MAX_KEPT_RUNS = 100;
const MAX_LIVE_RUNS = 16;
/** What a run ended by the server's shutdown says (its watchers get it before their sockets close). */
export const SHUTDOWN_MESSAGE =
  'The notes server shut down during this run: it was stopped and its sandbox removed. Run the block again once the server is back.';
/** What a run ended with its login says. */
const LOGIN_ENDED_MESSAGE =
  'Your sign-in ended (you signed out, or its 12 hours were up): this run was stopped and its sandbox removed. Sign in again to run it.';
/** What a new session or run gets while the server shuts down. */
const CLOSING_MESSAGE = 'The notes server is shutting down. Try again in a moment, once it is back.';

export interface SessionStoreOptions {
  factory: SandboxFactory;
  /** Removes everything a session owns in the engine (by label). */
  removeObjects: (sessionId: string) => Promise<void>;
  maxSessions: number;
  /** On a cluster: how many sessions its nodes have room for now (undefined: unknown); below MAX_SESSIONS it is the limit. */
  room?: (() => number | undefined) | undefined;
  /** Sessions one user (a browser, or a proxy-named user) may hold at once; the token holder is exempt. */
  maxSessionsPerUser: number;
  outputLimit: number;
  stopGraceMs: number;
  detachedGraceMs: number;
  /** Default run timeout (0: none). */
  runTimeoutMs: number;
  /** A session unused this long, with nothing running, is removed. */
  sessionIdleMs: number;
  /** Variables every run gets. */
  runEnv: string[];
  /** The sandboxes' spare shells (without: each run starts its own exec). */
  spareShells?: SpareShells;
  /** Ready sandboxes for new sessions, when configured. */
  pool?: WarmPool | undefined;
  /** Told of every run as it starts (workshop mode records each block's result when it ends). */
  onRun?: ((session: Session, run: Run) => void) | undefined;
  /** Sessions and runs log through children of it, with their ids. */
  logger: Logger;
}

export interface StartRunOptions {
  command: string;
  size?: { cols: number; rows: number } | undefined;
  block?: string | undefined;
  timeoutMs?: number | undefined;
  kind?: 'block' | 'terminal';
  /** The page's id for the click (RunRequest.requestId): a repeat gets the run it started. */
  requestId?: string | undefined;
}

/**
 * All sessions and their runs. Lookups take the caller's principal: a session or run that is not
 * theirs is "not found", exactly like one that does not exist. The token holder sees everything.
 */
export class SessionStore {
  readonly #opts: SessionStoreOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #runs = new Map<string, Run>();
  /** Who waits for a session while all are in use, first come first served. */
  #queue: Array<{ key: string; seen: number }> = [];
  #reaper: NodeJS.Timeout | undefined;
  /** Set by closeAll: nothing new starts while the sessions are being removed. */
  #closing = false;
  readonly #stopChannels: StopChannels;

  constructor(opts: SessionStoreOptions) {
    this.#opts = opts;
    this.#stopChannels = new StopChannels(opts.logger);
    // Check a few times per idle period, at least every minute.
    const every = Math.max(1000, Math.min(60_000, Math.floor(opts.sessionIdleMs / 4)));
    this.#reaper = setInterval(() => void this.reapIdle(), every);
    this.#reaper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** A browser's (or proxy-named user's) existing session, if it has one. */
  existingFor(principal: Principal): Session | undefined {
    if (principal.kind === 'token') return undefined;
    const key = principalKey(principal);
    return [...this.#sessions.values()].find((s) => s.owner === key);
  }

  /**
   * A new session, or the caller's place in the queue when all are in use: as sessions end, the
   * first in line (who keeps asking) gets the next one. Someone who stops asking for 30 s leaves it.
   */
  admit(principal: Principal, now = Date.now()): Session | { position: number } {
    const key = principalKey(principal);
    this.#queue = this.#queue.filter((q) => now - q.seen < 30_000);
    let entry = this.#queue.find((q) => q.key === key);
    const full = this.#sessions.size >= this.#limit().max;
    if (!full && (this.#queue.length === 0 || this.#queue[0]!.key === key)) {
      this.#queue = this.#queue.filter((q) => q.key !== key);
      return this.create(principal);
    }
    if (!entry) {
      entry = { key, seen: now };
      this.#queue.push(entry);
    }
    entry.seen = now;
    return { position: this.#queue.indexOf(entry) + 1 };
  }

  /** MAX_SESSIONS, or on a cluster the room its nodes have when that is less. */
  #limit(): { max: number; byCluster: boolean } {
    const room = this.#opts.room?.();
    return room !== undefined && room < this.#opts.maxSessions ? { max: room, byCluster: true } : { max: this.#opts.maxSessions, byCluster: false };
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  create(principal: Principal): Session {
    if (this.#closing) throw new AtCapacityError(CLOSING_MESSAGE);
    const limit = this.#limit();
    if (this.#sessions.size >= limit.max) {
      throw new AtCapacityError(
        limit.byCluster
          ? `The cluster's nodes have room for ${limit.max} sessions, and all are in use. Try again when one ends, or add a node.`
          : `All ${limit.max} sessions are in use. Try again when one ends, or raise MAX_SESSIONS.`,
      );
    }
    const owner = principalKey(principal);
    const mine = [...this.#sessions.values()].filter((s) => s.owner === owner).length;
    if (principal.kind !== 'token' && mine >= this.#opts.maxSessionsPerUser) {
      throw new LimitReachedError(`You already have ${mine} sessions, the most one person may hold. Restart one instead.`);
    }
    const pooled = this.#opts.pool?.take();
    const id = pooled?.sessionId ?? crypto.randomUUID();
    const session = new Session(
      id,
      owner,
      { factory: this.#opts.factory, removeObjects: this.#opts.removeObjects, logger: this.#opts.logger.child({ session: id }) },
      pooled?.sandbox,
    );
    this.#sessions.set(session.id, session);
    return session;
  }

  get(id: string, principal: Principal): Session {
    const s = this.#sessions.get(id);
    if (!s || !this.#mayUse(s, principal)) throw notFound('Session');
    s.touch();
    return s;
  }

  run(id: string, principal: Principal): Run {
    const r = this.#runs.get(id);
    const s = r && this.#sessions.get(r.sessionId);
    if (!r || !s || !this.#mayUse(s, principal)) throw notFound('Run');
    s.touch();
    return r;
  }

  /** The session's runs, oldest first. */
  runsOf(session: Session): RunInfo[] {
    return [...session.runs.values()].map((r) => r.info());
  }

  /** Creates a run in the session and starts it in the background. */
  startRun(session: Session, o: StartRunOptions): Run {
    // A request tried again after its answer was lost: the run it started, not a second one.
    const earlier = o.requestId ? this.#runs.get(session.runOfRequest(o.requestId) ?? '') : undefined;
    if (earlier) {
      // The same id is the same click: another command or kind under it is a client's mistake, not a retry.
      if (earlier.command !== o.command || earlier.kind !== (o.kind ?? 'block')) {
        throw new RequestConflictError('That requestId already started a different run. Send a new requestId for each Run.');
      }
      return earlier;
    }
    if (this.#closing) throw new AtCapacityError(CLOSING_MESSAGE);
    // Refused before the Run exists: a Run arms its detach timer when it is made.
    const live = [...session.runs.values()].filter((r) => !r.finished).length;
    if (live >= MAX_LIVE_RUNS) throw new LimitReachedError(`${MAX_LIVE_RUNS} runs are already going in this session. Stop one first.`);
    const id = crypto.randomUUID();
    const run = new Run({
      id,
      sessionId: session.id,
      command: o.command,
      kind: o.kind ?? 'block',
      block: o.block,
      size: o.size ?? DEFAULT_RUN_SIZE,
      outputLimit: this.#opts.outputLimit,
      stopGraceMs: this.#opts.stopGraceMs,
      detachedGraceMs: this.#opts.detachedGraceMs,
      timeoutMs: o.timeoutMs ?? (o.kind === 'terminal' ? 0 : this.#opts.runTimeoutMs),
      env: this.#opts.runEnv,
      logger: this.#opts.logger.child({ session: session.id, run: id }),
      stopChannels: this.#stopChannels,
      spareShells: this.#opts.spareShells,
    });
    session.runs.set(run.id, run);
    this.#runs.set(run.id, run);
    if (o.requestId) session.rememberRequest(o.requestId, run.id);
    // Keep the newest finished runs only: each holds up to RUN_OUTPUT_BYTES of transcript.
    const finished = [...session.runs.values()].filter((r) => r.finished);
    for (const old of finished.slice(0, Math.max(0, finished.length - MAX_KEPT_RUNS))) {
      session.runs.delete(old.id);
      this.#runs.delete(old.id);
    }
    session.touch();
    // Activity keeps a session from being reaped; watching it (its feed, a re-attach) does not.
    this.#opts.onRun?.(session, run);
    run.on('output', () => session.touch());
    run.on('input', () => session.touch());
    void run.start(
      (onPhase) => session.sandbox(onPhase),
      () => session.sandboxLost(),
    );
    return run;
  }

  /**
   * Stops the session's runs and removes its sandbox and everything labelled with it. `reason`: the
   * server's own, which its live runs end with (see Run.close).
   */
  async delete(id: string, principal: Principal, reason?: string): Promise<void> {
    const session = this.get(id, principal);
    this.#sessions.delete(id);
    const { stopped } = await session.close(reason);
    // Removing the sandbox ends every exec at once; the runs then end as failed.
    await this.#opts.removeObjects(id);
    await stopped;
    for (const runId of session.runs.keys()) this.#runs.delete(runId);
  }

  /**
   * The host is low on disk: removes the sandbox of this store's session that uses the most (by
   * `usage`, bytes per session id), keeping the session, with a message its reader sees.
   */
  async evictLargest(usage: Map<string, number>, message: (bytes: number) => string): Promise<{ id: string; bytes: number } | undefined> {
    const mine = [...usage].filter(([id]) => this.#sessions.has(id)).sort((a, b) => b[1] - a[1]);
    const top = mine[0];
    if (!top) return undefined;
    const [id, bytes] = top;
    await this.#sessions.get(id)!.evictSandbox(message(bytes));
    return { id, bytes };
  }

  /**
   * Removes every session a principal owns, with their sandboxes (its login ended: logout or expiry;
   * or the workshop ended it); their places in per-address counts are freed as each one closes.
   * Their live runs end with `reason`. Returns how many.
   */
  async closeOwnedBy(principal: Principal, reason = LOGIN_ENDED_MESSAGE): Promise<number> {
    const key = principalKey(principal);
    this.#queue = this.#queue.filter((q) => q.key !== key);
    const owned = [...this.#sessions.values()].filter((s) => s.owner === key);
    await Promise.all(owned.map((s) => this.#remove(s, 'of an ended login', reason)));
    return owned.length;
  }

  /** Removes sessions unused for the idle time with nothing running. */
  async reapIdle(now = Date.now()): Promise<number> {
    const isIdle = (s: Session, at: number) => !s.busy && at - s.lastUsed > this.#opts.sessionIdleMs;
    const idle = [...this.#sessions.values()].filter((s) => isIdle(s, now));
    let removed = 0;
    for (const s of idle) {
      // Each removal takes a while: a reader back meanwhile (a Run just started) keeps their session.
      const at = Math.max(now, Date.now());
      if (!this.#sessions.has(s.id) || !isIdle(s, at)) continue;
      if (await this.#remove(s, 'idle')) {
        removed++;
        this.#opts.logger.info(`Removed session ${s.id.slice(0, 8)}, idle for ${Math.round((at - s.lastUsed) / 1000)} s.`);
      }
    }
    return removed;
  }

  /** Removes every session (server shutdown). */
  async closeAll(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#reaper);
    await this.#opts.pool?.close();
    await Promise.all([...this.#sessions.values()].map((s) => this.#remove(s, 'at shutdown', SHUTDOWN_MESSAGE)));
  }

  /** Deletes a session for the server's own reason; a failure is logged (its objects may be left). */
  async #remove(s: Session, why: string, reason?: string): Promise<boolean> {
    try {
      await this.delete(s.id, { kind: 'token' }, reason);
      return true;
    } catch (err) {
      this.#opts.logger.child({ session: s.id }).warn(`could not remove a session ${why} (the next start-up sweeps what it left)`, err);
      return false;
    }
  }

  #mayUse(s: Session, p: Principal): boolean {
    return p.kind === 'token' || s.owner === principalKey(p);
  }
}
