import crypto from 'node:crypto';
import type { Run } from '../runs/run.ts';
import type { Principal } from '../security/request-guard.ts';
import { principalKey } from '../security/request-guard.ts';
import type { WarmPool } from '../sandbox/warm-pool.ts';
import type { Session } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import { buildRoom, type Room } from './room.ts';
import { SseFeed } from './sse-feed.ts';
import { TimeLimits } from './time-limits.ts';
import type { Message, Role, WorkshopDb, WorkshopSettings } from './workshop-db.ts';
import { WorkshopManifest, pageOfBlock } from './workshop-manifest.ts';
import { workshopUser } from './workshop-user.ts';

/** Changes reach the room's feed at most this often (a Run all of 20 blocks is one update, not 20). */
const ROOM_DEBOUNCE_MS = 200;
/** An end time this far past is an earlier class's (a login lasts 12 h): the next session starts a new limit. */
const STALE_END_MS = 12 * 3600_000;
const stale = (endsAt: number) => Date.now() - endsAt > STALE_END_MS;
/** The instructors' feed is one group. */
const INSTRUCTORS = '\0instructors';

export interface WorkshopOptions {
  db: WorkshopDb;
  siteDir: string;
  proxyInstructors: readonly string[];
  /** Hosted (password or proxy): the token is a script's, not a person's, and is no one in the room. */
  hosted: boolean;
  /** The warm pool a class size grows, and its caps. */
  pool?: WarmPool | undefined;
  baseWarmPool: number;
  poolCap: number;
  /** Variables every run gets (REGISTRY): checks see them too. */
  runEnv: string[];
  log: (line: string) => void;
}

/**
 * Workshop mode: who is who (attendee or instructor), each attendee's progress (recorded as their
 * runs end), the room the instructor sees (live, over SSE), help and more-time flags, time limits
 * and messages. Everything that must outlive the process is in the SQLite store.
 */
export class Workshop {
  readonly db: WorkshopDb;
  readonly runEnv: string[];
  readonly manifest: WorkshopManifest;
  readonly attendeeFeed = new SseFeed();
  readonly roomFeed = new SseFeed();
  /** Per person, the logins (principal keys) that asked for help: only their runs may be typed into. */
  readonly #helpAskedBy = new Map<string, Set<string>>();
  readonly #o: WorkshopOptions;
  /** Whose sessions are whose: a session's owner key -> the workshop user, learnt from their requests. */
  readonly #owners = new Map<string, { user: string; principal: Principal }>();
  readonly #times: TimeLimits;
  #store: SessionStore | undefined;
  #roomTimer: NodeJS.Timeout | undefined;

  constructor(o: WorkshopOptions) {
    this.#o = o;
    this.db = o.db;
    this.runEnv = o.runEnv;
    this.manifest = new WorkshopManifest(o.siteDir, o.log);
    this.#times = new TimeLimits(
      o.db,
      (user) => void this.#timeUp(user).catch((err: Error) => o.log(`Workshop: ending the session of ${user} failed: ${err.message}`)),
    );
    this.#sizePool(this.db.settings().classSize);
    // Help is asked for the runs of a login, which a restart ends: none is asked any more.
    this.db.clearHelp();
  }

  /** The session store, once made (it reports runs here through its `onRun`). */
  attach(store: SessionStore): void {
    this.#store = store;
  }

  /** Who the caller is in the workshop; remembers them (and which sessions are theirs). */
  seen(p: Principal): { user: string; role: Role } {
    const who = workshopUser(p, this.#o.proxyInstructors);
    if (p.kind === 'token' && this.#o.hosted) return who;
    const isNew = !this.db.user(who.user);
    this.db.touchUser(who.user, who.role);
    this.#owners.set(principalKey(p), { user: who.user, principal: p });
    if (isNew && who.role === 'attendee') this.roomChanged();
    return who;
  }

  /** The workshop user a session belongs to, when known. */
  userOfSession(session: Session): string | undefined {
    return this.#owners.get(session.owner)?.user;
  }

  /** The live sessions of a user (across their logins and tabs). */
  sessionsOf(user: string): Session[] {
    const store = this.#store;
    if (!store) return [];
    return [...this.#owners.values()]
      .filter((o) => o.user === user)
      .map((o) => store.existingFor(o.principal))
      .filter((s): s is Session => s !== undefined);
  }

  /** A run started in a session: when it ends, its block's result is recorded for the session's user. */
  runStarted(session: Session, run: Run): void {
    const user = this.userOfSession(session);
    if (!user) return;
    try {
      this.db.touchUser(user, this.db.user(user)?.role ?? 'attendee');
      this.roomChanged();
    } catch (err) {
      this.#o.log(`Workshop: could not record a run of ${user}: ${(err as Error).message}`);
    }
    run.once('end', () => {
      // Inside the run's own end: a storage error must not keep the run from ending.
      try {
        // The block key is the client's word: only the site's own blocks are kept (one row each per
        // user), or made-up keys would grow the store, and the room sent to instructors, without end.
        if (run.kind === 'block' && run.block && this.manifest.hasBlock(run.block)) {
          const status = run.stopped ? 'stopped' : run.status === 'exited' ? 'exited' : 'failed';
          this.db.recordBlock(user, {
            page: pageOfBlock(run.block),
            block: run.block,
            status,
            exitCode: run.exitCode,
            command: run.command,
            at: Date.now(),
          });
        }
        this.db.touchUser(user, this.db.user(user)?.role ?? 'attendee');
        this.roomChanged();
      } catch (err) {
        this.#o.log(`Workshop: could not record the end of run ${run.id.slice(0, 8)} for ${user}: ${(err as Error).message}`);
      }
    });
  }

  /** A session was made for an attendee: their time starts now when the class has a time limit. */
  sessionStarted(user: string): void {
    const limit = this.db.settings().timeLimitMinutes;
    const row = this.db.user(user);
    if (limit === null || !row || row.role !== 'attendee' || (row.endsAt !== null && !stale(row.endsAt))) return;
    this.#setEndsAt(user, Date.now() + limit * 60_000);
  }

  /** Whether the attendee's time is up (a new session is refused until the instructor extends it). */
  timeIsUp(user: string): boolean {
    const endsAt = this.db.user(user)?.endsAt;
    return endsAt !== null && endsAt !== undefined && endsAt <= Date.now() && !stale(endsAt);
  }

  /**
   * The person asks for help from the login `by` (the instructor may then type into that login's
   * runs only), or says from it that they are fine. Names are typed at login, so two logins may share
   * one: what one asks or withdraws never opens or closes the runs of the other.
   */
  setHelp(user: string, help: boolean, by: Principal): void {
    const asked = this.#helpAskedBy.get(user) ?? new Set<string>();
    if (help) asked.add(principalKey(by));
    else asked.delete(principalKey(by));
    if (asked.size > 0) this.#helpAskedBy.set(user, asked);
    else this.#helpAskedBy.delete(user);
    // The room shows the person: asking while any of their logins asks.
    help = asked.size > 0;
    this.db.setHelp(user, help);
    this.attendeeFeed.send(user, 'help', { help });
    this.roomChanged();
  }

  /** Whether an instructor may type into the runs of this session: the login that owns it asked for help. */
  mayHelpIn(session: Session): boolean {
    const user = this.userOfSession(session);
    if (user === undefined || this.db.user(user)?.help !== true) return false;
    return this.#helpAskedBy.get(user)?.has(session.owner) ?? false;
  }

  askMoreTime(user: string): void {
    this.db.setMoreTime(user, true);
    this.roomChanged();
  }

  /** The room as the instructor sees it now. */
  room(): Room {
    return buildRoom(this.db, (user) => this.sessionsOf(user), this.db.settings().classSize, this.#o.pool?.ready ?? 0);
  }

  /** Something the room shows changed: push the room to the instructors, at most every ROOM_DEBOUNCE_MS. */
  roomChanged(): void {
    if (this.#roomTimer || !this.roomFeed.has(INSTRUCTORS)) return;
    this.#roomTimer = setTimeout(() => {
      this.#roomTimer = undefined;
      this.roomFeed.send(INSTRUCTORS, 'room', this.room());
    }, ROOM_DEBOUNCE_MS);
    this.#roomTimer.unref();
  }

  /** Opens the instructors' room feed, starting with the room as it is. */
  openRoomFeed(login: Principal, req: import('express').Request, res: import('express').Response): void {
    this.roomFeed.open(INSTRUCTORS, principalKey(login), req, res, { event: 'room', data: this.room() });
  }

  /** Throws away the attendee's sandbox (not their session): the next Run makes a new one. */
  async restart(user: string): Promise<void> {
    const sessions = this.sessionsOf(user);
    await Promise.all(sessions.map((s) => s.evictSandbox('The instructor restarted your sandbox')));
    this.attendeeFeed.send(user, 'sandbox-restarted', {});
    this.roomChanged();
  }

  /** Gives the attendee more time: from their end time, or from now when it has passed. */
  extend(user: string, minutes: number): number {
    const from = Math.max(Date.now(), this.db.user(user)?.endsAt ?? Date.now());
    const endsAt = from + minutes * 60_000;
    this.db.setMoreTime(user, false);
    this.#setEndsAt(user, endsAt);
    return endsAt;
  }

  /** Ends the attendee's sessions (their sandboxes go); they are told why. */
  async end(user: string, reason = 'The instructor ended your session.'): Promise<void> {
    const store = this.#store;
    const owners = [...this.#owners.values()].filter((o) => o.user === user);
    if (store) await Promise.all(owners.map((o) => store.closeOwnedBy(o.principal, `${reason} This run was stopped.`)));
    this.attendeeFeed.send(user, 'session-ended', { reason });
    this.roomChanged();
  }

  /** A message to every attendee (a banner on their pages), kept so a page opened later shows it. */
  message(text: string): Message {
    const m = { id: crypto.randomUUID(), text, at: Date.now() };
    this.db.addMessage(m);
    this.attendeeFeed.sendAll('message', m);
    return m;
  }

  /** Saves the class settings: the class size grows the warm pool; a time limit applies to those in class now. */
  saveSettings(s: WorkshopSettings): WorkshopSettings {
    const before = this.db.settings();
    this.db.saveSettings(s);
    this.#sizePool(s.classSize);
    if (s.timeLimitMinutes !== before.timeLimitMinutes) {
      for (const u of this.db.users('attendee')) {
        const live = this.sessionsOf(u.user).length > 0;
        if (s.timeLimitMinutes === null) this.#setEndsAt(u.user, null);
        else if (live) this.#setEndsAt(u.user, Date.now() + s.timeLimitMinutes * 60_000);
      }
    }
    this.roomChanged();
    return this.db.settings();
  }

  /** Re-arms the time limits kept in the store (after a restart). */
  start(): void {
    this.#times.rearm();
  }

  close(): void {
    clearTimeout(this.#roomTimer);
    this.#times.close();
    this.attendeeFeed.close();
    this.roomFeed.close();
  }

  #setEndsAt(user: string, endsAt: number | null): void {
    this.#times.set(user, endsAt);
    this.attendeeFeed.send(user, 'time', { endsAt });
    this.roomChanged();
  }

  async #timeUp(user: string): Promise<void> {
    this.#o.log(`Workshop: the time of ${user} is up; ending their session.`);
    await this.end(user, 'Your time is up. Ask the instructor for more time.');
  }

  /** The warm pool holds the class size, within WARM_POOL_MAX and MAX_SESSIONS, and never less than WARM_POOL. */
  #sizePool(classSize: number): void {
    const pool = this.#o.pool;
    if (!pool) return;
    pool.size = Math.max(this.#o.baseWarmPool, Math.min(classSize, this.#o.poolCap));
    pool.fill();
  }
}
