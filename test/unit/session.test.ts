import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Phase } from '../../server/sandbox/session-sandbox.ts';
import { EngineDidNotStartError } from '../../server/sandbox/wait-for-engine.ts';
import type { Run } from '../../server/runs/run.ts';
import { EVENTS_COMMAND } from '../../server/sessions/inventory-snapshot.ts';
import { Session } from '../../server/sessions/session.ts';
import { fakeFactory, recordingLogger, type FakeSandbox } from './fake-sandbox.ts';

/** The panel's event feeds started in a sandbox. */
const feedsOf = (sandbox: FakeSandbox) => sandbox.execs.filter((e) => e.opts.cmd === EVENTS_COMMAND).length;

describe('Session', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('makes one sandbox for concurrent callers', async () => {
    const f = fakeFactory();
    const session = new Session('s1', 'browser:a', f);
    const [a, b] = await Promise.all([session.sandbox(() => undefined), session.sandbox(() => undefined)]);
    expect(a).toBe(b);
    expect(f.made).toHaveLength(1);
  });

  it('replacement of a dead sandbox: the next caller is told, what it left is removed, a new one is made', async () => {
    const f = fakeFactory();
    const session = new Session('s1', 'browser:a', f);
    const first = await session.sandbox(() => undefined);
    f.made[0]!.alive = false;
    await vi.advanceTimersByTimeAsync(1000); // past the second in which a recent look is trusted
    const phases: Phase[] = [];
    const second = await session.sandbox((p) => phases.push(p));
    expect(second).not.toBe(first);
    expect(f.removed, "the dead sandbox's objects were not removed before making the next").toEqual(['s1']);
    expect(phases[0]).toMatchObject({ phase: 'replacing-sandbox' });
    expect(phases[0]!.message).toContain(`Your sandbox ${first.containerId.slice(0, 12)} stopped`);
    expect(session.currentSandbox).toBe(second);
  });

  it('a sandbox removed for a reason (disk) is replaced with that reason, not a guess', async () => {
    const f = fakeFactory();
    const session = new Session('s1', 'browser:a', f);
    await session.sandbox(() => undefined);
    await session.evictSandbox('The host ran low on disk');
    await vi.advanceTimersByTimeAsync(1000);
    const phases: Phase[] = [];
    await session.sandbox((p) => phases.push(p));
    expect(phases[0]!.message).toMatch(/^The host ran low on disk, so its files/);
  });

  it('a failed clean-up of a dead sandbox is logged with the session, and a new sandbox is still made', async () => {
    const f = fakeFactory();
    const logger = recordingLogger();
    const session = new Session('s1', 'browser:a', { ...f, logger: logger.child({ session: 's1' }) });
    const first = await session.sandbox(() => undefined);
    f.made[0]!.alive = false;
    f.removeFailsWith = new Error('engine busy');
    await vi.advanceTimersByTimeAsync(1000);
    await session.sandbox(() => undefined);
    expect(f.made).toHaveLength(2);
    expect(logger.lines).toEqual([
      `Warning: could not remove what the stopped sandbox ${first.containerId.slice(0, 12)} left; making a new one anyway: engine busy [session=s1]`,
    ]);
  });

  it('a sandbox finished for a session closed meanwhile is removed', async () => {
    const f = fakeFactory();
    f.hold();
    const session = new Session('s1', 'browser:a', f);
    const making = session.sandbox(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    const closing = session.close();
    f.release();
    await closing;
    await making.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(f.removed).toEqual(['s1']);
    await expect(session.sandbox(() => undefined)).rejects.toThrow('This session has been closed');
  });

  it("starts the panel's inventory feed once the engine answers, not when the sandbox is handed out", async () => {
    const f = fakeFactory({ engineStarting: true });
    const session = new Session('s1', 'browser:a', f);
    session.watch();
    await session.sandbox(() => undefined);
    const sandbox = f.made[0]!;
    const feeds = () => feedsOf(sandbox);
    await vi.advanceTimersByTimeAsync(5000);
    expect(feeds(), 'event feeds started while the engine was still starting').toBe(0);
    sandbox.engineAnswers();
    await vi.advanceTimersByTimeAsync(1000);
    expect(feeds(), 'event feeds started once the engine answered').toBe(1);
  });

  it('reads the engine for the panel only once a panel watches, and once however many watch', async () => {
    const f = fakeFactory();
    const session = new Session('s1', 'browser:a', f);
    await session.sandbox(() => undefined);
    const sandbox = f.made[0]!;
    const feeds = () => feedsOf(sandbox);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(feeds(), 'event feeds started with nobody watching').toBe(0);
    const unwatch = session.watch();
    await vi.advanceTimersByTimeAsync(0);
    expect(feeds(), 'event feeds once a panel watches').toBe(1);
    unwatch();
    unwatch();
    session.watch();
    session.watch();
    await vi.advanceTimersByTimeAsync(1000);
    expect(feeds(), 'event feeds after more panels came and went').toBe(1);
  });

  it("lets the session's young Runs go first: the feed waits while one is under 2 s old and going", async () => {
    const f = fakeFactory();
    const session = new Session('s1', 'browser:a', f);
    await session.sandbox(() => undefined);
    const sandbox = f.made[0]!;
    const feeds = () => feedsOf(sandbox);
    const run = { finished: false, createdAt: Date.now() } as unknown as Run;
    session.runs.set('r1', run);
    session.watch();
    await vi.advanceTimersByTimeAsync(1000);
    expect(feeds(), 'event feeds while the first Run is 1 s old and going').toBe(0);
    (run as { finished: boolean }).finished = true;
    await vi.advanceTimersByTimeAsync(250);
    expect(feeds(), 'event feeds once it ended').toBe(1);
    const long = new Session('s2', 'browser:a', f);
    await long.sandbox(() => undefined);
    const other = f.made[1]!;
    long.runs.set('r2', { finished: false, createdAt: Date.now() } as unknown as Run);
    long.watch();
    await vi.advanceTimersByTimeAsync(1500);
    expect(feedsOf(other), 'at 1.5 s').toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(feedsOf(other), 'a Run still going after 2 s lets the feed start').toBe(1);
  });

  it('a panel watching before the sandbox exists gets the feed of the sandbox made later, and of its replacement', async () => {
    const f = fakeFactory();
    const session = new Session('s1', 'browser:a', f);
    session.watch();
    await session.sandbox(() => undefined);
    await vi.advanceTimersByTimeAsync(1000);
    const first = f.made[0]!;
    expect(feedsOf(first)).toBe(1);
    first.die();
    await session.sandbox(() => undefined);
    await vi.advanceTimersByTimeAsync(1000);
    const second = f.made[1]!;
    expect(second, 'the replacement sandbox').toBeDefined();
    expect(feedsOf(second), 'event feeds on the replacement').toBe(1);
  });

  it('a sandbox whose engine did not start is removed, and the next Run is told why', async () => {
    const f = fakeFactory({ engineStarting: true });
    const session = new Session('s1', 'browser:a', f);
    await session.sandbox(() => undefined);
    f.made[0]!.engineFails(
      new EngineDidNotStartError("The sandbox's Docker engine did not start within 60 s (no engine socket yet).\nIts log ends with: ..."),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(f.removed, 'sessions whose objects were removed').toEqual(['s1']);
    await vi.advanceTimersByTimeAsync(1000);
    const phases: Phase[] = [];
    const next = await session.sandbox((p) => phases.push(p));
    expect(next).toBe(f.made[1]);
    expect(phases[0]?.message).toContain("Your sandbox's Docker engine did not start (The sandbox's Docker engine did not start within 60 s");
  });

  it('a sandbox killed while its engine starts (its waiter cut short) is not called an engine failure', async () => {
    const f = fakeFactory({ engineStarting: true });
    const session = new Session('s1', 'browser:a', f);
    await session.sandbox(() => undefined);
    // The engine may still report the container running a moment after it was killed.
    f.made[0]!.engineFails(new Error("The wait for the sandbox's engine ended with exit 137: the sandbox stopped meanwhile."));
    await vi.advanceTimersByTimeAsync(1000);
    expect(f.removed, 'no eviction for a waiter that was cut short').toEqual([]);
  });
});
