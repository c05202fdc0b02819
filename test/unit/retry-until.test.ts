import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryUntil, type Clock } from '../../server/retry-until.ts';

/** A clock that only moves when the retry sleeps. */
function steppingClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('retryUntil', () => {
  afterEach(() => vi.useRealTimers());

  it('returns the first value an attempt gives, without sleeping after it', async () => {
    const clock = steppingClock();
    let n = 0;
    const v = await retryUntil(async () => (++n === 3 ? 'ready' : undefined), { delayMs: 50, clock });
    expect({ v, attempts: n, slept: clock.slept }).toEqual({ v: 'ready', attempts: 3, slept: [50, 50] });
  });

  it('gives up after the tries, with undefined', async () => {
    const clock = steppingClock();
    let n = 0;
    const v = await retryUntil(async () => void n++, { tries: 5, delayMs: 100, clock });
    expect({ v, attempts: n, slept: clock.slept.length }).toEqual({ v: undefined, attempts: 5, slept: 4 });
  });

  it('gives up at the time limit: no sleep that would end past it', async () => {
    const clock = steppingClock();
    let n = 0;
    const v = await retryUntil(async () => void n++, { timeoutMs: 1000, delayMs: 150, clock });
    // Attempts at 0, 150, ... 900: the next one would start at 1050, past the limit.
    expect({ v, attempts: n, at: clock.now() }).toEqual({ v: undefined, attempts: 7, at: 900 });
  });

  it('a value other than undefined ends it, false and 0 included', async () => {
    const clock = steppingClock();
    expect(await retryUntil(async () => false, { delayMs: 1, clock })).toBe(false);
    expect(await retryUntil(async () => 0, { delayMs: 1, clock })).toBe(0);
  });

  it('an attempt that throws ends the retry with that error', async () => {
    const clock = steppingClock();
    let n = 0;
    await expect(
      retryUntil(
        async () => {
          if (++n === 2) throw new Error('engine gone');
          return undefined;
        },
        { tries: 10, delayMs: 10, clock },
      ),
    ).rejects.toThrow('engine gone');
    expect(n).toBe(2);
  });

  it('uses the real timers by default, which vitest can fake', async () => {
    vi.useFakeTimers();
    let n = 0;
    const result = retryUntil(async () => (++n === 4 ? n : undefined), { delayMs: 1000 });
    await vi.advanceTimersByTimeAsync(2999);
    expect(n, 'after 2999 ms with a 1000 ms delay').toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBe(4);
  });
});
