import { describe, expect, it } from 'vitest';
import { SessionStore, type SessionStoreOptions } from '../../server/sessions/session-store.ts';

/** A store whose sessions never get a sandbox (nothing runs), removing objects with `removeObjects`. */
function store(removeObjects: SessionStoreOptions['removeObjects'], log: (line: string) => void): SessionStore {
  return new SessionStore({
    factory: () => Promise.reject(new Error('no sandbox in this test')),
    removeObjects,
    maxSessions: 4,
    maxSessionsPerUser: 4,
    outputLimit: 1024,
    stopGraceMs: 10,
    detachedGraceMs: 1000,
    runTimeoutMs: 0,
    sessionIdleMs: 1000,
    runEnv: [],
    log,
  });
}

describe('reaping idle sessions', () => {
  it('says "Removed session" only when the removal worked, and says why when it failed', async () => {
    const lines: string[] = [];
    const failing = store(async () => {
      throw new Error('engine not reachable');
    }, (l) => lines.push(l));
    const session = failing.create({ kind: 'browser', id: 'reader-one' });
    expect(await failing.reapIdle(Date.now() + 60_000)).toBe(1);
    expect(lines.filter((l) => l.startsWith('Removed session')), `log lines: ${JSON.stringify(lines)}`).toEqual([]);
    expect(lines, 'the failure must be logged with its reason').toEqual([
      expect.stringMatching(new RegExp(`^Could not remove session ${session.id.slice(0, 8)} \\(idle for \\d+ s\\): engine not reachable$`)),
    ]);
  });

  it('logs the removal when it worked', async () => {
    const lines: string[] = [];
    const removed: string[] = [];
    const working = store(async (id) => void removed.push(id), (l) => lines.push(l));
    const session = working.create({ kind: 'browser', id: 'reader-two' });
    expect(await working.reapIdle(Date.now() + 60_000)).toBe(1);
    expect(removed).toEqual([session.id]);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^Removed session ${session.id.slice(0, 8)}, idle for \\d+ s\\.$`))]);
  });
});
