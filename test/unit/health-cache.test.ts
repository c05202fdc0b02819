import { describe, expect, it } from 'vitest';
import type { Engine } from '../../server/docker/engine.ts';
import { HealthCache } from '../../server/health/health-cache.ts';
import { healthReport } from '../../server/health/health-report.ts';

/** An engine that counts the calls a health report makes and answers after a tick. */
function countingEngine() {
  const calls = { version: 0, imagePresent: 0 };
  const later = <T>(v: T) => new Promise<T>((r) => setTimeout(() => r(v), 5));
  const engine = {
    connection: { url: 'unix:///var/run/docker.sock' },
    version: () => {
      calls.version++;
      return later({ version: '27.0.0', apiVersion: '1.46' });
    },
    imagePresent: () => {
      calls.imagePresent++;
      return later(true);
    },
  } as unknown as Engine;
  return { engine, calls };
}

describe('the health report is cached for a moment, one look in flight at a time', () => {
  it('200 concurrent callers cause one look at the engine; the next look comes only after the TTL', async () => {
    const { engine, calls } = countingEngine();
    let now = 1_000_000;
    const cache = new HealthCache(
      () => healthReport(engine, 'sandbox:latest', 0, 'isolated', 'rootless'),
      2000,
      () => now,
    );
    const reports = await Promise.all(Array.from({ length: 200 }, () => cache.get()));
    expect(reports.every((r) => r.engine.reachable && r.sandboxImage.present)).toBe(true);
    expect(calls, `200 concurrent health calls made ${calls.version} version and ${calls.imagePresent} image calls; expected 1 each`).toEqual({
      version: 1,
      imagePresent: 1,
    });

    now += 1999;
    await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(calls.version, 'a look within the TTL asked the engine again').toBe(1);

    now += 2;
    await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(calls.version, 'after the TTL, 50 concurrent callers should cause exactly one new look').toBe(2);
  });

  it('a failed look is not kept: the next caller tries again', async () => {
    let n = 0;
    const cache = new HealthCache(async () => {
      n++;
      if (n === 1) throw new Error('engine gone');
      return n;
    });
    await expect(cache.get()).rejects.toThrow('engine gone');
    expect(await cache.get()).toBe(2);
  });
});
