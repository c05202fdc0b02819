import { describe, expect, it } from 'vitest';
import { backoffMs, retry, type RetryClock } from '../../src/client/retry.ts';

/** A clock that records each wait and fires it only when the test says. */
function fakeClock() {
  const waits: Array<{ ms: number; fire: () => void; cleared: boolean }> = [];
  const clock: RetryClock = {
    setTimeout: (fn, ms) => {
      const w = { ms, fire: fn, cleared: false };
      waits.push(w);
      return w;
    },
    clearTimeout: (handle) => {
      (handle as { cleared: boolean }).cleared = true;
    },
  };
  /** Fires the latest wait once the helper has set it. */
  const tick = async () => {
    await new Promise((r) => setImmediate(r));
    const w = waits.at(-1);
    if (!w) throw new Error('expected the helper to be waiting, and it set no timer');
    w.fire();
  };
  return { clock, waits, tick };
}

describe('the page-side retry helper', () => {
  it('waits longer after each miss, up to the ceiling, until an attempt gives a value', async () => {
    const { clock, waits, tick } = fakeClock();
    let calls = 0;
    const result = retry(async () => (++calls === 5 ? 'found' : undefined), { firstMs: 1000, maxMs: 5000, clock });
    for (let i = 0; i < 4; i++) await tick();
    expect(await result).toBe('found');
    expect(waits.map((w) => w.ms)).toEqual([1000, 2000, 4000, 5000]);
  });

  it('gives up after its tries, without a last wait', async () => {
    const { clock, waits, tick } = fakeClock();
    const result = retry(async () => undefined, { firstMs: 250, maxMs: 2000, tries: 3, clock });
    await tick();
    await tick();
    expect(await result).toBeUndefined();
    expect(waits.map((w) => w.ms)).toEqual([250, 500]);
  });

  it('stops waiting at once when cancelled, and calls the attempt no more', async () => {
    const { clock, waits } = fakeClock();
    const cancel = new AbortController();
    let calls = 0;
    const result = retry(async () => void calls++, { firstMs: 1000, maxMs: 30_000, signal: cancel.signal, clock });
    await new Promise((r) => setImmediate(r));
    cancel.abort();
    expect(await result).toBeUndefined();
    expect(calls).toBe(1);
    expect(waits[0]?.cleared, 'the pending wait is cleared').toBe(true);
  });

  it('computes the backoff from the first wait, the factor and the ceiling', () => {
    expect([0, 1, 2, 3].map((n) => backoffMs(n, { firstMs: 100, maxMs: 500, factor: 3 }))).toEqual([100, 300, 500, 500]);
  });
});
