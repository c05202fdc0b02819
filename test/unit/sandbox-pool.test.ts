import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SandboxPool } from '../../server/sandbox/sandbox-pool.ts';
import { fakeFactory, recordingLogger, settle, type FakeSandboxOptions } from './fake-sandbox.ts';

/** A pool of `size` over a fake factory, with the logger it writes to. */
function poolOf(size: number, factoryOptions?: FakeSandboxOptions) {
  const f = fakeFactory(factoryOptions);
  const logger = recordingLogger();
  return { f, logger, pool: new SandboxPool(size, f.factory, f.removeObjects, logger) };
}

describe('SandboxPool (the warm pool)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fills to its size one at a time, hands each sandbox out once, and refills a little later', async () => {
    const { f, pool } = poolOf(2);
    pool.fill();
    await settle();
    expect(pool.ready).toBe(2);
    const a = pool.take()!;
    const b = pool.take()!;
    expect(a.sessionId).not.toBe(b.sessionId);
    expect((await a.sandbox).sessionId, 'a pooled sandbox serves the session id it was made under').toBe(a.sessionId);
    expect(pool.ready).toBe(0);
    expect(pool.take(), 'an empty pool hands out nothing').toBeUndefined();
    await vi.advanceTimersByTimeAsync(2999);
    expect(f.made, "refilled before the new session's first Run had the engine").toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(pool.ready).toBe(2);
  });

  it('pauses after 3 failures in a row, and a new visitor makes it try again', async () => {
    const { f, logger, pool } = poolOf(1);
    f.failWith = new Error('image missing\ndetails');
    pool.fill();
    await settle();
    expect(logger.lines.filter((l) => l.startsWith('Warm pool: could not make a sandbox (image missing).'))).toHaveLength(3);
    expect(logger.lines.at(-1)).toBe('Warm pool: paused after 3 failures; sessions make their own sandboxes.');
    f.failWith = undefined;
    expect(pool.take()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(3000);
    await settle();
    expect(pool.ready).toBe(1);
  });

  it('close removes every pooled sandbox; a removal that fails is logged with its session', async () => {
    const { f, logger, pool } = poolOf(2);
    pool.fill();
    await settle();
    const ids = f.made.map((s) => s.sessionId);
    f.removeFailsWith = new Error('engine gone');
    await pool.close();
    expect(logger.lines).toEqual(
      ids.map((id) => `Warning: Warm pool: could not remove a pooled sandbox (the next start-up sweeps it): engine gone [session=${id.slice(0, 8)}]`),
    );
  });

  it('counts a sandbox as ready only once its engine answers', async () => {
    const { f, pool } = poolOf(1, { engineStarting: true });
    pool.fill();
    await settle();
    expect(f.made).toHaveLength(1);
    expect(pool.ready, 'ready sandboxes while the engine starts').toBe(0);
    f.made[0]!.engineAnswers();
    await settle();
    expect(pool.ready, 'ready sandboxes once the engine answered').toBe(1);
  });
});
