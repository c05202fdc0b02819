import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineStarts } from '../../server/sandbox/engine-starts.ts';

/** An engine start the test ends by hand; `started` says whether its turn came. */
function engineStart(starts: EngineStarts, name: string, order: string[]) {
  let end!: () => void;
  const state = { started: false, done: undefined as Promise<void> | undefined, end: () => end() };
  state.done = starts.run(
    () =>
      new Promise<void>((resolve) => {
        state.started = true;
        order.push(name);
        end = resolve;
      }),
  );
  return state;
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('EngineStarts: engines wait while sandboxes wait to be made', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts up to its limit at once when no creation waits, the rest as those end, in order', async () => {
    const order: string[] = [];
    const starts = new EngineStarts(2, () => 0);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => engineStart(starts, n, order));
    await flush();
    expect(order).toEqual(['a', 'b']);
    expect(starts.waiting).toBe(1);
    a!.end();
    await flush();
    expect(order).toEqual(['a', 'b', 'c']);
    b!.end();
    c!.end();
    await Promise.all([a!.done, b!.done, c!.done]);
  });

  it('holds every engine while creations wait, and lets them go when the creation queue empties', async () => {
    const order: string[] = [];
    let creationsWaiting = 3;
    const starts = new EngineStarts(4, () => creationsWaiting);
    const engines = ['a', 'b', 'c'].map((n) => engineStart(starts, n, order));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(order, 'engines started while 3 sandboxes wait to be made').toEqual([]);
    creationsWaiting = 1;
    starts.wake();
    await flush();
    expect(order).toEqual([]);
    creationsWaiting = 0;
    starts.wake();
    await flush();
    expect(order).toEqual(['a', 'b', 'c']);
    for (const e of engines) e.end();
  });

  it('lets an engine that waited maxWaitMs start anyway, one at a time, while creations still wait', async () => {
    const order: string[] = [];
    const starts = new EngineStarts(4, () => 5, 30_000);
    const first = engineStart(starts, 'first', order);
    await vi.advanceTimersByTimeAsync(10_000);
    const second = engineStart(starts, 'second', order);
    await vi.advanceTimersByTimeAsync(19_000);
    expect(order).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(order, 'after 30 s: the oldest').toEqual(['first']);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(order, 'the second has waited long enough too, but one at a time while creations wait').toEqual(['first']);
    first.end();
    await flush();
    expect(order).toEqual(['first', 'second']);
    second.end();
    await Promise.all([first.done, second.done]);
  });

  it('passes on what the start gives, and a failed start frees its place', async () => {
    const starts = new EngineStarts(1, () => 0);
    await expect(starts.run(async () => 'answered')).resolves.toBe('answered');
    await expect(starts.run(async () => Promise.reject(new Error('engine did not start')))).rejects.toThrow('engine did not start');
    await expect(starts.run(async () => 'next')).resolves.toBe('next');
    expect(starts.waiting).toBe(0);
  });
});
