import { describe, expect, it } from 'vitest';
import type { Clock } from '../../server/retry-until.ts';
import { onOverlay } from '../../server/sandbox/on-overlay.ts';
import type { Phase } from '../../server/sandbox/session-sandbox.ts';

/** A clock that moves when the retry sleeps, and by `stepMs` on each failed try (a slow answer). */
function clockWithSlowTries(): Clock & { advance(ms: number): void } {
  let now = 0;
  const advance = (ms: number) => {
    now += ms;
  };
  return { now: () => now, sleep: async (ms) => advance(ms), advance };
}

const LAGS = [
  'attaching to network failed: context deadline exceeded',
  '(HTTP code 404) no such container - network 3f9a1c not found',
  'Error response from daemon: Attaching To Network Failed: rpc error',
];

describe('onOverlay: a node step that waits for the manager', () => {
  for (const lag of LAGS) {
    it(`tries again after "${lag.slice(0, 40)}…", and tells the reader each time`, async () => {
      const clock = clockWithSlowTries();
      const phases: Phase[] = [];
      let tries = 0;
      const value = await onOverlay(
        'node-2',
        async () => {
          if (++tries < 3) {
            clock.advance(20_000);
            throw new Error(lag);
          }
          return 'container-id';
        },
        { onPhase: (p) => phases.push(p), clock },
      );
      expect(value).toBe('container-id');
      expect(tries).toBe(3);
      expect(phases.map((p) => p.phase)).toEqual(['creating-sandbox', 'creating-sandbox']);
      expect(phases[0]!.message).toMatch(/node-2 \(try 2, 20 s of at most 120 s/);
      expect(phases[1]!.message).toMatch(/try 3, 42 s of at most 120 s/);
    });
  }

  it('any other error ends it at once, as it was, with no phase', async () => {
    const phases: Phase[] = [];
    let tries = 0;
    const step = async () => {
      tries++;
      throw new Error('No such image: runnable-docker-notes/sandbox:latest');
    };
    await expect(onOverlay('node-1', step, { onPhase: (p) => phases.push(p), clock: clockWithSlowTries() })).rejects.toThrow(/No such image/);
    expect({ tries, phases }).toEqual({ tries: 1, phases: [] });
  });

  it('gives up at its time limit with what it waited for and the last answer', async () => {
    const clock = clockWithSlowTries();
    let tries = 0;
    const step = async () => {
      tries++;
      clock.advance(10_000);
      throw new Error(`attaching to network failed: try ${tries}\nstack`);
    };
    const failure = onOverlay('node-3', step, { timeoutMs: 60_000, clock });
    await expect(failure).rejects.toThrow(
      /^Swarm did not attach the sandbox on node node-3 to its session's overlay network within 60 s .*Run again\. Last answer: attaching to network failed: try 5$/,
    );
    // Tries at 0, 12, 24, 36, 48 s (each 10 s slow, 2 s apart); the next would start past 60 s.
    expect(tries).toBe(5);
  });

  it('names the step that waited, in each log line and in the final error', async () => {
    const clock = clockWithSlowTries();
    const lines: string[] = [];
    const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), child: () => logger };
    const step = async () => {
      clock.advance(5_000);
      throw new Error('attaching to network failed, make sure your network options are correct: context deadline exceeded');
    };
    await expect(onOverlay('node-1', step, { timeoutMs: 20_000, clock, logger, step: 'join registry-mirror' })).rejects.toThrow(
      /Last answer to join registry-mirror: attaching to network failed/,
    );
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines)
      expect(line).toMatch(/^Waiting for Swarm's overlay on node node-1 \(join registry-mirror\): a try failed after 5000 ms/);
  });
});
