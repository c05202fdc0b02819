import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOSE } from '../../server/protocol.ts';
import type { Principal } from '../../server/security/request-guard.ts';
import { SessionStore, type SessionStoreOptions } from '../../server/sessions/session-store.ts';
import { streamSessionEvents } from '../../server/ws/session-events.ts';
import { streamRun } from '../../server/ws/run-stream.ts';
import { fakeFactory, recordingLogger, settle, type FakeFactory } from './fake-sandbox.ts';
import { FakeSocket } from './fake-socket.ts';

const alice: Principal = { kind: 'browser', id: 'alice' };
const bob: Principal = { kind: 'browser', id: 'bob' };
const IDLE_MS = 10 * 60_000;

function store(f: FakeFactory, o: Partial<SessionStoreOptions> = {}) {
  const logger = recordingLogger();
  const s = new SessionStore({
    factory: f.factory,
    removeObjects: f.removeObjects,
    maxSessions: 10,
    maxSessionsPerUser: 3,
    outputLimit: 1024 * 1024,
    stopGraceMs: 2000,
    detachedGraceMs: 60_000,
    runTimeoutMs: 0,
    sessionIdleMs: IDLE_MS,
    runEnv: [],
    logger,
    ...o,
  });
  return { store: s, logger };
}

describe('SessionStore', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('the live-run cap: the 17th run going at once is refused, and a run that ends frees a place', async () => {
    const f = fakeFactory();
    const { store: s } = store(f);
    const session = s.create(alice);
    const runs = Array.from({ length: 16 }, () => s.startRun(session, { command: 'sleep infinity' }));
    await settle();
    expect(() => s.startRun(session, { command: 'one more' })).toThrow(/16 runs are already going in this session/);
    expect(session.runs.size, 'the refused run was kept').toBe(16);
    f.made[0]!.runs[0]!.end(0);
    await runs[0]!.ended;
    expect(() => s.startRun(session, { command: 'now there is room' })).not.toThrow();
  });

  it('a run refused by the live-run cap leaves no detach timer behind (its Stop would wait forever)', async () => {
    const f = fakeFactory();
    const { store: s } = store(f);
    const session = s.create(alice);
    for (let i = 0; i < 16; i++) s.startRun(session, { command: 'sleep infinity' });
    await settle();
    const timers = vi.getTimerCount();
    expect(() => s.startRun(session, { command: 'one more' })).toThrow(/runs are already going/);
    expect(vi.getTimerCount(), 'timers armed by a refused run').toBe(timers);
  });

  it('queue expiry: a full server queues callers; one who stops asking for 30 s loses the place', () => {
    const f = fakeFactory();
    const { store: s } = store(f, { maxSessions: 1 });
    const carol: Principal = { kind: 'browser', id: 'carol' };
    expect(s.admit(alice, 0)).toHaveProperty('id');
    expect(s.admit(bob, 1000)).toEqual({ position: 1 });
    expect(s.admit(carol, 2000)).toEqual({ position: 2 });
    // Bob stops asking; Carol keeps asking.
    expect(s.admit(carol, 25_000)).toEqual({ position: 2 });
    expect(s.admit(carol, 31_001)).toEqual({ position: 1 });
    expect(s.queueLength).toBe(1);
  });

  it("on a cluster, the nodes' room limits sessions below MAX_SESSIONS and the queue takes over; unknown room leaves MAX_SESSIONS", () => {
    const f = fakeFactory();
    let room: number | undefined = 1;
    const { store: s } = store(f, { maxSessions: 5, room: () => room });
    expect(s.admit(alice, 0)).toHaveProperty('id');
    expect(s.admit(bob, 0)).toEqual({ position: 1 });
    expect(() => s.create({ kind: 'token' })).toThrow(/The cluster's nodes have room for 1 sessions, and all are in use/);
    room = undefined;
    expect(s.admit(bob, 1000)).toHaveProperty('id');
    room = 50;
    for (let i = 0; i < 3; i++) s.create({ kind: 'token' });
    expect(() => s.create({ kind: 'token' }), 'MAX_SESSIONS still holds when the cluster has more room').toThrow(/All 5 sessions are in use/);
  });

  it('idle reaping: a session unused for the idle time is removed with its sandbox; a busy one is kept', async () => {
    const f = fakeFactory();
    // Nobody watches the busy run: a long detach grace keeps it going.
    const { store: s, logger } = store(f, { detachedGraceMs: 24 * 3600_000 });
    const idle = s.create(alice);
    const busy = s.create(bob);
    s.startRun(busy, { command: 'sleep infinity' });
    await settle();
    await vi.advanceTimersByTimeAsync(IDLE_MS + 3 * 60_000);
    expect(s.size, 'sessions left after the idle time').toBe(1);
    expect(() => s.get(idle.id, alice)).toThrow();
    expect(s.get(busy.id, bob)).toBe(busy);
    expect(f.removed).toContain(idle.id);
    expect(
      logger.lines.some((l) => /^Removed session \w+, idle for \d+ s\.$/.test(l)),
      logger.lines.join('\n'),
    ).toBe(true);
  });

  it('a reader back while the reaper removes other idle sessions keeps theirs: each is looked at again just before', async () => {
    const f = fakeFactory();
    // Removing a sandbox takes a while (seconds on a loaded engine): the first removal waits here.
    let finishFirst!: () => void;
    const slow = new Promise<void>((r) => (finishFirst = r));
    let removals = 0;
    const { store: s } = store(f, {
      removeObjects: async (id) => {
        if (removals++ === 0) await slow;
        await f.removeObjects(id);
      },
    });
    const first = s.create(alice);
    const back = s.create(bob);
    // Both were used once, then left.
    for (const session of [first, back]) {
      const run = s.startRun(session, { command: 'true' });
      await settle();
      f.made.at(-1)!.runs[0]!.end(0);
      await run.ended;
    }
    await vi.advanceTimersByTimeAsync(IDLE_MS + 90_000);
    expect(removals, 'the reaper started on the first idle session').toBe(1);
    // Bob comes back while the first removal is still under way, and runs a block.
    const run = s.startRun(s.get(back.id, bob), { command: 'sleep 1' });
    await settle();
    finishFirst();
    await vi.advanceTimersByTimeAsync(1000);
    expect(() => s.get(first.id, alice)).toThrow();
    expect(s.get(back.id, bob), "the reader's session was reaped as they ran a block").toBe(back);
    expect(run.status).toBe('running');
  });

  it("a principal's sessions closed (its login ended, or the workshop ended it): their live runs end with the reason given", async () => {
    const f = fakeFactory();
    const { store: s } = store(f);
    const mine = s.create(alice);
    const run = s.startRun(mine, { command: 'sleep 600' });
    await settle();
    const closing = s.closeOwnedBy(alice, 'Your time is up. This run was stopped.');
    await vi.advanceTimersByTimeAsync(5000);
    expect(await closing).toBe(1);
    expect(run.info()).toMatchObject({ status: 'failed', error: 'Your time is up. This run was stopped.' });
    const other = s.create(bob);
    const left = s.startRun(other, { command: 'sleep 600' });
    await settle();
    const logout = s.closeOwnedBy(bob);
    await vi.advanceTimersByTimeAsync(5000);
    await logout;
    expect(left.info().error, 'without a reason: the ended login').toMatch(/Your sign-in ended/);
  });

  it('shutting down: live runs end with the reason, and no new session or run starts meanwhile', async () => {
    const f = fakeFactory();
    const { store: s } = store(f);
    const session = s.create(alice);
    const run = s.startRun(session, { command: 'sleep 600' });
    await settle();
    const closing = s.closeAll();
    expect(() => s.create(bob)).toThrow(/shutting down/);
    expect(() => s.startRun(session, { command: 'true' })).toThrow(/shutting down/);
    await vi.advanceTimersByTimeAsync(5000);
    await closing;
    expect(run.info()).toMatchObject({ status: 'failed', error: expect.stringMatching(/shut down during this run/) });
  });

  it('an open events feed does not keep a session alive past the idle time: watching is not activity', async () => {
    const f = fakeFactory();
    const { store: s } = store(f);
    const session = s.create(alice);
    const feed = new FakeSocket();
    streamSessionEvents(feed.ws, session);
    await vi.advanceTimersByTimeAsync(IDLE_MS + 3 * 60_000);
    expect(s.size, 'the session with only an open feed was not reaped').toBe(0);
    expect(feed.closed).toEqual({ code: CLOSE.sessionClosed, reason: 'session closed' });
  });

  it('keys typed into a run are activity: they keep the session from being reaped', async () => {
    const f = fakeFactory();
    const { store: s } = store(f, { detachedGraceMs: 24 * 3600_000 });
    const session = s.create(alice);
    const run = s.startRun(session, { command: 'cat' });
    await settle();
    f.made[0]!.runs[0]!.end(0);
    await run.ended;
    // A terminal: the reader types now and then, nothing else happens.
    const terminal = s.startRun(session, { command: 'bash', kind: 'terminal' });
    const pane = new FakeSocket();
    streamRun(pane.ws, terminal, 0, true);
    await settle();
    for (let minute = 0; minute < 30; minute++) {
      pane.receive(Buffer.from('x'));
      await vi.advanceTimersByTimeAsync(60_000);
    }
    expect(f.made[0]!.runs[1]!.typed.join('')).toBe('x'.repeat(30));
    // The terminal ends (no output came: only the keys were activity); the idle time counts from the last key.
    f.made[0]!.runs[1]!.end(0);
    await terminal.ended;
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(s.size, 'a session whose reader typed a key 6 minutes ago was reaped (idle time: 10 minutes)').toBe(1);
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    expect(s.size, 'and once idle for the idle time, it is reaped').toBe(0);
  });

  it('a session whose removal fails is logged as such, not as removed', async () => {
    const f = fakeFactory();
    const { store: s, logger } = store(f);
    const session = s.create(alice);
    f.removeFailsWith = new Error('engine gone');
    await vi.advanceTimersByTimeAsync(IDLE_MS + 3 * 60_000);
    expect(
      logger.lines.filter((l) => l.startsWith('Removed session')),
      'logged as removed',
    ).toEqual([]);
    expect(logger.lines).toContain(
      `Warning: could not remove a session idle (the next start-up sweeps what it left): engine gone [session=${session.id.slice(0, 8)}]`,
    );
  });
});
