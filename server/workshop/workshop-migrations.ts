/**
 * The workshop database's schema, as numbered steps: step i brings a file from version i to i + 1.
 * Only ever append a step; a file written by an older server is brought up to date on open.
 */
export const WORKSHOP_MIGRATIONS: readonly string[] = [
  // 1: who was seen, block results, messages, settings.
  `CREATE TABLE users (
     user TEXT PRIMARY KEY,
     role TEXT NOT NULL CHECK (role IN ('attendee', 'instructor')),
     created_at INTEGER NOT NULL,
     last_active INTEGER NOT NULL
   );
   CREATE TABLE block_results (
     user TEXT NOT NULL,
     page TEXT NOT NULL,
     block TEXT NOT NULL,
     status TEXT NOT NULL,
     exit_code INTEGER,
     command TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (user, block)
   );
   CREATE TABLE messages (id TEXT PRIMARY KEY, text TEXT NOT NULL, at INTEGER NOT NULL);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // 2: checks, and the flags and time limit an attendee carries in the room.
  `CREATE TABLE check_results (
     user TEXT NOT NULL,
     page TEXT NOT NULL,
     check_key TEXT NOT NULL,
     passed INTEGER NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (user, page, check_key)
   );
   ALTER TABLE users ADD COLUMN help INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE users ADD COLUMN more_time INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE users ADD COLUMN ends_at INTEGER;
   CREATE INDEX block_results_at ON block_results (at);
   CREATE INDEX check_results_at ON check_results (at);`,
  // 3: the key a name is known by whatever its letter case or Unicode form (name-key.ts), filled
  // in by the store on open (SQLite cannot fold Unicode case); not unique: a file from before may
  // hold two rows of one key, and a login then takes the row of its exact name, else the first.
  `ALTER TABLE users ADD COLUMN user_key TEXT;
   CREATE INDEX users_user_key ON users (user_key);`,
];
