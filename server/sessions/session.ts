import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../logger.ts';
import type { SandboxFactory } from '../sandbox/sandbox-factory.ts';
import type { Phase, SessionSandbox } from '../sandbox/session-sandbox.ts';
import { EngineDidNotStartError } from '../sandbox/wait-for-engine.ts';
import type { Inventory } from '../protocol.ts';
import type { Run } from '../runs/run.ts';
import { SessionInventory } from './session-inventory.ts';

const INVENTORY_DELAY_MS = 300;
/** Request ids a session remembers (RunRequest.requestId). */
const REQUESTS_KEPT = 64;
/** How long the inventory feed must have run for its next restart to wait the shortest time again. */
const FEED_STEADY_MS = 60_000;
/** The longest wait before the inventory feed is started again after it ended. */
const FEED_RESTART_MAX_MS = 30_000;
/** The panel's feed waits while a Run of the session is younger than this and still going. */
const RUNS_FIRST_MS = 2000;

export interface SessionDeps {
  factory: SandboxFactory;
  /** Removes what a dead sandbox left (container, network, volume), so a new one can take its names. */
  removeObjects: (sessionId: string) => Promise<void>;
  /** With the session's id set by the caller. */
  logger?: Logger;
}

interface SessionEvents {
  /** A (new) sandbox is ready. */
  sandbox: [SessionSandbox];
  /** What the sandbox's engine holds changed (see SessionInventory). */
  inventory: [Inventory];
  /** The session was deleted: its feeds end. */
  closed: [];
}

/**
 * A visitor's session: its sandbox (made on first use, once, whoever asks first), and its runs.
 * A sandbox that died is replaced on the next Run, which is told that the earlier state is gone.
 */
export class Session extends EventEmitter<SessionEvents> {
  readonly id: string;
  readonly owner: string;
  readonly createdAt = Date.now();
  lastUsed = Date.now();
  readonly runs = new Map<string, Run>();
  /** The runs started for the page's request ids, newest last, the last REQUESTS_KEPT only. */
  readonly #requests = new Map<string, string>();
  readonly #deps: SessionDeps;
  readonly #log: Logger;
  #sandbox: Promise<SessionSandbox> | undefined;
  #current: SessionSandbox | undefined;
  #closed = false;
  #seenRunning = 0;
  /** Why the server removed the sandbox, told to the next Run that replaces it. */
  #lostReason: string | undefined;
  #inventory: SessionInventory | undefined;
  /** The feed of the current sandbox, once its engine answers, until a watcher starts it. */
  #inventoryDue: { inv: SessionInventory; sandbox: SessionSandbox } | undefined;
  /** Restarts of the inventory feed since it last delivered: each waits twice as long. */
  #feedRestarts = 0;
  #watchers = 0;
  #inventoryWait: NodeJS.Timeout | undefined;
  readonly #phaseListeners = new Set<(p: Phase) => void>();

  constructor(id: string, owner: string, deps: SessionDeps, pooled?: Promise<SessionSandbox>) {
    super();
    this.id = id;
    this.owner = owner;
    this.#deps = deps;
    this.#log = deps.logger ?? silentLogger;
    if (pooled) this.#sandbox = this.#adopt(pooled);
  }

  /** The ready sandbox, if there is one now (no creation). */
  get currentSandbox(): SessionSandbox | undefined {
    return this.#current;
  }

  /** The latest inventory of the sandbox's engine, if there is a sandbox. */
  get inventory(): Inventory | undefined {
    return this.#current ? this.#inventory?.latest : undefined;
  }

  /**
   * Removes the sandbox (not the session) for a reason the server has, e.g. the host's disk: running
   * runs fail with that reason, and the next Run gets a new sandbox and is told why the old one went.
   */
  async evictSandbox(reason: string): Promise<void> {
    const told = `${reason}: it was removed, with its files, containers and variables. The next Run starts a new sandbox.`;
    for (const run of this.runs.values()) if (!run.finished) run.sandboxRemovedBecause(told);
    this.#lostReason = reason;
    this.#seenRunning = 0;
    await this.#deps.removeObjects(this.id);
  }

  /** A run saw the sandbox die: ask the engine next time instead of trusting the recent look. */
  sandboxLost(): void {
    this.#seenRunning = 0;
  }

  touch(): void {
    this.lastUsed = Date.now();
  }

  /** The session's sandbox, created on first call; concurrent callers share one creation. */
  async sandbox(onPhase: (p: Phase) => void): Promise<SessionSandbox> {
    this.touch();
    this.#phaseListeners.add(onPhase);
    try {
      const pending = this.#sandbox;
      if (pending) {
        // A creation that failed was reported to the run that asked for it; this caller makes a new one.
        const existing = await pending.catch(() => undefined);
        // A sandbox seen running a moment ago is trusted without asking the engine again.
        if (existing && Date.now() - this.#seenRunning < 1000) return existing;
        if (existing && (await existing.running())) {
          this.#seenRunning = Date.now();
          return existing;
        }
        if (this.#closed) throw new Error('This session has been closed. Reload the page to start a new one.');
        if (this.#sandbox === pending) this.#sandbox = existing ? this.#replace(existing) : undefined;
      }
      if (this.#closed) throw new Error('This session has been closed. Reload the page to start a new one.');
      this.#sandbox ??= this.#create();
      return await this.#sandbox;
    } finally {
      this.#phaseListeners.delete(onPhase);
    }
  }

  #emitPhase(p: Phase): void {
    for (const l of this.#phaseListeners) l(p);
  }

  #create(): Promise<SessionSandbox> {
    return this.#adopt(this.#deps.factory(this.id, (p) => this.#emitPhase(p)));
  }

  /** Follows a sandbox being made (by this session or, ahead of time, by the warm pool). */
  #adopt(creating: Promise<SessionSandbox>): Promise<SessionSandbox> {
    creating.then(
      (s) => {
        // Made for a session deleted meanwhile: nobody will remove it later, so remove it now.
        if (this.#closed) {
          return void this.#deps
            .removeObjects(this.id)
            .catch((e: unknown) => this.#log.warn('could not remove a sandbox made for a session closed meanwhile', e));
        }
        this.#current = s;
        this.#follow(s);
        this.emit('sandbox', s);
      },
      () => {
        if (this.#sandbox === creating) this.#sandbox = undefined;
      },
    );
    return creating;
  }

  #follow(sandbox: SessionSandbox): void {
    this.#inventory?.stop();
    const inv = new SessionInventory(sandbox);
    this.#inventory = inv;
    this.#inventoryDue = undefined;
    inv.on('inventory', (i) => {
      if (this.#inventory === inv) this.emit('inventory', i);
    });
    const followedAt = Date.now();
    // The engine's event stream ended under a live sandbox (the reader ended its curl, or the engine
    // restarted): follow again, backing off, or the panel would show a stale list for good.
    inv.on('ended', () => {
      if (this.#inventory !== inv || this.#closed) return;
      // A feed that ran a good while ended for a reason of its moment; one that ends at once, again and
      // again (an engine whose event stream closes, a reader's loop that ends it), waits longer each time.
      if (Date.now() - followedAt > FEED_STEADY_MS) this.#feedRestarts = 0;
      const wait = Math.min(FEED_RESTART_MAX_MS, 1000 * 2 ** this.#feedRestarts++);
      setTimeout(() => {
        if (this.#inventory !== inv || this.#closed) return;
        void sandbox.running().then((up) => up && this.#inventory === inv && !this.#closed && this.#follow(sandbox));
      }, wait).unref();
    });
    // Once its engine answers (the sandbox is handed out before), and a moment later: the session's
    // first Run should not share the engine with the event feed.
    (sandbox.engineReady ?? Promise.resolve()).then(
      () =>
        setTimeout(() => {
          if (this.#inventory !== inv) return;
          this.#inventoryDue = { inv, sandbox };
          this.#startInventory();
        }, INVENTORY_DELAY_MS).unref(),
      (e: unknown) => void this.#engineFailed(sandbox, e),
    );
  }

  /**
   * A session panel watches what the engine holds: the feed behind it starts with the first
   * watcher (and stays until the sandbox goes), once the session's young Runs have ended or had
   * RUNS_FIRST_MS to themselves. With 50 readers arriving at once on a pool, every session's feed
   * starting at once (an exec for the events and a snapshot) took the last first byte to 10 s (bench
   * section 10).
   */
  watch(): () => void {
    this.#watchers++;
    this.#startInventory();
    let watching = true;
    return () => {
      if (watching) this.#watchers--;
      watching = false;
    };
  }

  #startInventory(): void {
    clearTimeout(this.#inventoryWait);
    const due = this.#inventoryDue;
    if (!due || due.inv !== this.#inventory || this.#watchers === 0 || this.#closed) return;
    // The session's young Runs first: the page opens the panel just after its first Run starts,
    // and in a class arriving at once every feed starting then competes with every first Run.
    const now = Date.now();
    if ([...this.runs.values()].some((r) => !r.finished && now - r.createdAt < RUNS_FIRST_MS)) {
      this.#inventoryWait = setTimeout(() => this.#startInventory(), 200).unref();
      return;
    }
    this.#inventoryDue = undefined;
    due.inv.start().catch(async (e: unknown) => {
      // Expected when the sandbox died meanwhile (the next Run replaces it, with a new feed).
      if (await due.sandbox.running()) this.#log.warn("the session panel's inventory feed did not start", e);
    });
  }

  /** The sandbox's engine did not start (logged where it was made): the next Run gets a new sandbox. */
  async #engineFailed(sandbox: SessionSandbox, err: unknown): Promise<void> {
    // A sandbox that died meanwhile (killed, removed) is told and replaced the usual way: its waiter
    // was cut short, which is not the engine's failure (the engine may still look running a moment).
    if (!(err instanceof EngineDidNotStartError)) return;
    if (this.#current !== sandbox || this.#closed || !(await sandbox.running())) return;
    if (this.#current !== sandbox) return; // replaced while the engine was asked
    await this.evictSandbox(`Your sandbox's Docker engine did not start (${(err as Error).message.split('\n')[0]})`).catch((e: unknown) =>
      this.#log.warn('could not remove a sandbox whose engine did not start', e),
    );
  }

  /** The sandbox died (killed, engine restarted): say so, clear what it left, make a new one. */
  async #replace(dead: SessionSandbox): Promise<SessionSandbox> {
    this.#current = undefined;
    this.#inventory?.stop();
    this.#inventory = undefined;
    const why = this.#lostReason ?? `Your sandbox ${dead.containerId.slice(0, 12)} stopped`;
    this.#lostReason = undefined;
    this.#emitPhase({
      phase: 'replacing-sandbox',
      message: `${why}, so its files, containers and variables are gone. Creating a new one`,
    });
    await this.#deps
      .removeObjects(this.id)
      .catch((e: unknown) =>
        this.#log.warn(`could not remove what the stopped sandbox ${dead.containerId.slice(0, 12)} left; making a new one anyway`, e),
      );
    return this.#create();
  }

  /**
   * Marks the session closed (no new sandbox) and asks its runs to stop. Resolves once a sandbox
   * creation in flight has settled, so the caller can remove everything it made; `stopped`
   * resolves once every run has ended. With `reason` (the server's own: it shuts down, the login
   * ended) the runs end failed with that reason rather than as a Stop.
   */
  async close(reason?: string): Promise<{ stopped: Promise<void> }> {
    this.#closed = true;
    this.emit('closed');
    const stopped = Promise.all([...this.runs.values()].map((r) => (reason ? r.close(reason) : r.stop()))).then(() => undefined);
    // A creation that failed left nothing to wait for; its failure went to the run that asked.
    await this.#sandbox?.catch(() => undefined);
    this.#current = undefined;
    clearTimeout(this.#inventoryWait);
    this.#inventory?.stop();
    this.#inventory = undefined;
    return { stopped };
  }

  /** The run started for this request id, if it is one of the last few. */
  runOfRequest(requestId: string): string | undefined {
    return this.#requests.get(requestId);
  }

  rememberRequest(requestId: string, runId: string): void {
    this.#requests.set(requestId, runId);
    // A page tries a request again within seconds: the last few are all it can repeat.
    for (const oldest of this.#requests.keys()) {
      if (this.#requests.size <= REQUESTS_KEPT) break;
      this.#requests.delete(oldest);
    }
  }

  /** Whether any run of the session is still going. */
  get busy(): boolean {
    return [...this.runs.values()].some((r) => !r.finished);
  }
}
