import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { BlockStatus, Failure, Message, Progress, Role, WorkshopSettings } from '../protocol.ts';
import { nameKey } from './name-key.ts';
import { WORKSHOP_MIGRATIONS } from './workshop-migrations.ts';

// The wire types live in the protocol; the store keeps exactly those.
export type { BlockStatus, Failure, Message, Progress, Role, WorkshopSettings } from '../protocol.ts';

export interface UserRow {
  user: string;
  role: Role;
  lastActive: number;
  help: boolean;
  moreTime: boolean;
  endsAt: number | null;
}

const DAY_MS = 24 * 3600_000;
/** The schema version from which users carry the key of their name (workshop-migrations.ts, step 3). */
const USER_KEY_VERSION = 3;

/**
 * The workshop's storage: one SQLite file (WAL) in the state folder, so progress, roles, time
 * limits and messages survive a server restart. Synchronous on purpose: every statement is a
 * small indexed read or write, and one writer (this process) never waits for a lock.
 */
export class WorkshopDb {
  readonly #db: DatabaseSync;

  /** Opens (or creates) the file and brings its schema up to `upTo` (the latest by default). */
  constructor(file: string, upTo = WORKSHOP_MIGRATIONS.length) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Attendees' names and results: readable by the server's user only. Made 0600 before SQLite
    // opens it, so its -wal and -shm files (which take the database's mode) are too.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    fs.chmodSync(file, 0o600);
    this.#db = new DatabaseSync(file);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.#migrate(upTo);
    if (this.version >= USER_KEY_VERSION) this.#keyUsers();
  }

  /** The schema version the file is at. */
  get version(): number {
    return (this.#db.prepare('SELECT version FROM schema_version').get() as { version: number }).version;
  }

  #migrate(upTo: number): void {
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    if (!this.#db.prepare('SELECT version FROM schema_version').get()) this.#db.exec('INSERT INTO schema_version VALUES (0)');
    for (let v = this.version; v < upTo; v++) {
      // Each step and its version bump commit together: a crash leaves the file at a known version.
      this.#db.exec('BEGIN');
      try {
        this.#db.exec(WORKSHOP_MIGRATIONS[v]!);
        this.#db.prepare('UPDATE schema_version SET version = ?').run(v + 1);
        this.#db.exec('COMMIT');
      } catch (err) {
        this.#db.exec('ROLLBACK');
        throw new Error(`Workshop database: migration ${v + 1} failed: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Gives every user the key of their name, as name-key.ts makes it now: rows from before the key
   * existed, and any whose key a newer Unicode would fold otherwise. A few hundred rows, once per start.
   */
  #keyUsers(): void {
    const update = this.#db.prepare('UPDATE users SET user_key = ? WHERE user = ?');
    const rows = this.#db.prepare('SELECT user, user_key FROM users').all() as unknown as Array<{ user: string; user_key: string | null }>;
    for (const r of rows) if (r.user_key !== nameKey(r.user)) update.run(nameKey(r.user), r.user);
  }

  /** Deletes results, messages and users not seen for `days`; returns how many rows went. */
  deleteOlderThan(days: number, now = Date.now()): number {
    const before = now - days * DAY_MS;
    let n = 0;
    for (const sql of [
      'DELETE FROM block_results WHERE at < ?',
      'DELETE FROM check_results WHERE at < ?',
      'DELETE FROM messages WHERE at < ?',
      'DELETE FROM users WHERE last_active < ?',
    ])
      n += Number(this.#db.prepare(sql).run(before).changes);
    return n;
  }

  /** Records that a user was seen (with their role), creating them on first sight. */
  touchUser(user: string, role: Role, now = Date.now()): void {
    this.#db
      .prepare(
        'INSERT INTO users (user, user_key, role, created_at, last_active) VALUES (?, ?, ?, ?, ?) ON CONFLICT(user) DO UPDATE SET role = excluded.role, last_active = excluded.last_active',
      )
      .run(user, nameKey(user), role, now, now);
  }

  /**
   * Who a typed name is: the user the workshop knows under that name in any letter case or
   * Unicode form (name-key.ts), with the name as they first typed it and their role; else a new
   * user under `name` with `role`. At sign-in, so a name is an instructor's or an attendee's from
   * its first login on (not from its first request), and "Teacher" cannot become "teacher".
   */
  claimUser(name: string, role: Role, now = Date.now()): { user: string; role: Role } {
    const known = this.#db
      .prepare('SELECT user, role FROM users WHERE user_key = ? ORDER BY user = ? DESC, created_at, rowid LIMIT 1')
      .get(nameKey(name), name) as { user: string; role: Role } | undefined;
    if (known) return { user: known.user, role: known.role };
    this.#db
      .prepare('INSERT INTO users (user, user_key, role, created_at, last_active) VALUES (?, ?, ?, ?, ?) ON CONFLICT(user) DO NOTHING')
      .run(name, nameKey(name), role, now, now);
    const row = this.user(name);
    return { user: name, role: row?.role ?? role };
  }

  user(user: string): UserRow | undefined {
    const r = this.#db.prepare('SELECT * FROM users WHERE user = ?').get(user) as RawUser | undefined;
    return r && toUser(r);
  }

  users(role?: Role): UserRow[] {
    const rows = (role
      ? this.#db.prepare('SELECT * FROM users WHERE role = ? ORDER BY user').all(role)
      : this.#db.prepare('SELECT * FROM users ORDER BY user').all()) as unknown as RawUser[];
    return rows.map(toUser);
  }

  setHelp(user: string, help: boolean): void {
    this.#db.prepare('UPDATE users SET help = ? WHERE user = ?').run(help ? 1 : 0, user);
  }

  /** Nobody asks for help (at start-up: the logins that asked are gone). */
  clearHelp(): void {
    this.#db.prepare('UPDATE users SET help = 0 WHERE help <> 0').run();
  }

  setMoreTime(user: string, moreTime: boolean): void {
    this.#db.prepare('UPDATE users SET more_time = ? WHERE user = ?').run(moreTime ? 1 : 0, user);
  }

  setEndsAt(user: string, endsAt: number | null): void {
    this.#db.prepare('UPDATE users SET ends_at = ? WHERE user = ?').run(endsAt, user);
  }

  recordBlock(
    user: string,
    r: { page: string; block: string; status: BlockStatus; exitCode?: number | undefined; command: string; at: number },
  ): void {
    this.#db
      .prepare(
        `INSERT INTO block_results (user, page, block, status, exit_code, command, at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(user, block) DO UPDATE SET page = excluded.page, status = excluded.status, exit_code = excluded.exit_code, command = excluded.command, at = excluded.at`,
      )
      .run(user, r.page, r.block, r.status, r.exitCode ?? null, r.command.slice(0, 2000), r.at);
  }

  recordCheck(user: string, r: { page: string; check: string; passed: boolean; at: number }): void {
    this.#db
      .prepare(
        `INSERT INTO check_results (user, page, check_key, passed, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(user, page, check_key) DO UPDATE SET passed = excluded.passed, at = excluded.at`,
      )
      .run(user, r.page, r.check, r.passed ? 1 : 0, r.at);
  }

  progress(user: string): Progress {
    const pages: Progress['pages'] = {};
    const page = (slug: string) => (pages[slug] ??= { blocks: {}, checks: {} });
    for (const b of this.#db
      .prepare('SELECT page, block, status, exit_code, at FROM block_results WHERE user = ? ORDER BY at')
      .all(user) as unknown as RawBlock[]) {
      page(b.page).blocks[b.block] = { status: b.status, ...(b.exit_code !== null ? { exitCode: b.exit_code } : {}), at: b.at };
    }
    for (const c of this.#db
      .prepare('SELECT page, check_key, passed, at FROM check_results WHERE user = ? ORDER BY at')
      .all(user) as unknown as RawCheck[]) {
      page(c.page).checks[c.check_key] = { passed: c.passed === 1, at: c.at };
    }
    return { pages };
  }

  /**
   * The user's latest failure (a block that failed or exited non-zero, or a check that did not pass;
   * a run they stopped themselves is neither), and whether it is newer than their latest success:
   * an attendee who moved on past a failure is not stuck.
   */
  lastFailure(user: string): { failure: Failure; stuck: boolean } | undefined {
    const block = this.#db
      .prepare(
        "SELECT page, block, status, exit_code, command, at FROM block_results WHERE user = ? AND (status = 'failed' OR (status = 'exited' AND exit_code <> 0)) ORDER BY at DESC LIMIT 1",
      )
      .get(user) as (RawBlock & { command: string }) | undefined;
    const check = this.#db
      .prepare('SELECT page, check_key, at FROM check_results WHERE user = ? AND passed = 0 ORDER BY at DESC LIMIT 1')
      .get(user) as RawCheck | undefined;
    const fromBlock = block && { command: block.command, exitCode: block.exit_code ?? -1, at: block.at, page: block.page, block: block.block };
    const fromCheck = check && { command: `check ${check.check_key}`, exitCode: 1, at: check.at, page: check.page, block: check.check_key };
    const failure = !fromCheck || (fromBlock && fromBlock.at >= fromCheck.at) ? fromBlock : fromCheck;
    if (!failure) return undefined;
    const ok = this.#db
      .prepare(
        "SELECT MAX(at) AS at FROM (SELECT at FROM block_results WHERE user = ? AND status = 'exited' AND exit_code = 0 UNION ALL SELECT at FROM check_results WHERE user = ? AND passed = 1)",
      )
      .get(user, user) as { at: number | null };
    return { failure, stuck: ok.at === null || failure.at > ok.at };
  }

  addMessage(m: Message): void {
    this.#db.prepare('INSERT INTO messages (id, text, at) VALUES (?, ?, ?)').run(m.id, m.text, m.at);
  }

  latestMessage(): Message | null {
    return (this.#db.prepare('SELECT id, text, at FROM messages ORDER BY at DESC LIMIT 1').get() as Message | undefined) ?? null;
  }

  settings(): WorkshopSettings {
    const get = (k: string) => (this.#db.prepare('SELECT value FROM settings WHERE key = ?').get(k) as { value: string } | undefined)?.value;
    const limit = get('timeLimitMinutes');
    return { classSize: Number(get('classSize') ?? 0), timeLimitMinutes: limit === undefined || limit === '' ? null : Number(limit) };
  }

  saveSettings(s: WorkshopSettings): void {
    const put = this.#db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    put.run('classSize', String(s.classSize));
    put.run('timeLimitMinutes', s.timeLimitMinutes === null ? '' : String(s.timeLimitMinutes));
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

interface RawUser {
  user: string;
  role: Role;
  last_active: number;
  help: number;
  more_time: number;
  ends_at: number | null;
}
interface RawBlock {
  page: string;
  block: string;
  status: BlockStatus;
  exit_code: number | null;
  at: number;
}
interface RawCheck {
  page: string;
  check_key: string;
  passed: number;
  at: number;
}

function toUser(r: RawUser): UserRow {
  return { user: r.user, role: r.role, lastActive: r.last_active, help: r.help === 1, moreTime: r.more_time === 1, endsAt: r.ends_at };
}
