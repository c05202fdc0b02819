import type { Logger } from '../logger.ts';
import { realClock, retryUntil, type Clock } from '../retry-until.ts';
import type { Phase } from './session-sandbox.ts';

/**
 * How long a node's step may keep failing on the overlay before the creation gives up (and says
 * why). A failed attach can itself last until the node's own deadline for the manager's answer,
 * so the limit is on the time, not the tries: four tries gave up after two or three slow ones.
 */
export const OVERLAY_WAIT_MS = 120_000;
/** The pause between two tries. */
const OVERLAY_RETRY_MS = 2000;

/** Answers of a node that a later try can cure: the manager was slow, or the node has not heard of the overlay yet. */
const OVERLAY_LAG = /attaching to network failed|network \S+ not found/i;

/** The manager did not attach a node's step to the overlay within the time allowed. */
export class OverlayTimeoutError extends Error {
  override name = 'OverlayTimeoutError';
}

export interface OverlayWaitOptions {
  /** Which step waits, for the log ("create", "start", "join registry-mirror"). */
  step?: string | undefined;
  /** Where each failed try is logged (with how long it took). */
  logger?: Logger | undefined;
  /** Tells the reader, after a failed try, that their sandbox waits for the cluster's network and for how long so far. */
  onPhase?: ((p: Phase) => void) | undefined;
  timeoutMs?: number;
  clock?: Clock;
}

/**
 * Creates or starts a container on a Swarm node, which asks the manager for the session's overlay
 * first. With many sandboxes starting at once that can fail for a while though a later try works:
 * the request outruns its deadline ("attaching to network failed ... context deadline exceeded"),
 * or the node has not heard of the overlay made a moment ago ("network ... not found"). Tried
 * again, 2 s apart, for up to OVERLAY_WAIT_MS in all; any other error ends it at once.
 */
export async function onOverlay<T>(nodeName: string, step: () => Promise<T>, opts: OverlayWaitOptions = {}): Promise<T> {
  const clock = opts.clock ?? realClock;
  const timeoutMs = opts.timeoutMs ?? OVERLAY_WAIT_MS;
  let lastAnswer = '';
  let failed = 0;
  const started = clock.now();
  const done = await retryUntil(
    async () => {
      const tried = clock.now();
      try {
        return { value: await step() };
      } catch (err) {
        if (!OVERLAY_LAG.test((err as Error).message)) throw err;
        lastAnswer = (err as Error).message.split('\n')[0] ?? '';
        failed++;
        const waited = Math.round((clock.now() - started) / 1000);
        // Says what it waits for, and how long a failed try took (the manager's answer, or its deadline).
        opts.logger?.info(
          `Waiting for Swarm's overlay on node ${nodeName}${opts.step ? ` (${opts.step})` : ''}: a try failed after ${clock.now() - tried} ms, ${waited} s in all (${lastAnswer})`,
        );
        // A silent minute or two looks like a hang to the reader: say what it is and how long it may last.
        opts.onPhase?.({
          phase: 'creating-sandbox',
          message: `Waiting for the cluster to attach your sandbox to its network on node ${nodeName} (try ${failed + 1}, ${waited} s of at most ${Math.round(timeoutMs / 1000)} s; the cluster is busy)`,
        });
        return undefined;
      }
    },
    { timeoutMs, delayMs: OVERLAY_RETRY_MS, clock },
  );
  if (done) return done.value;
  throw new OverlayTimeoutError(
    `Swarm did not attach the sandbox on node ${nodeName} to its session's overlay network within ${Math.round(timeoutMs / 1000)} s ` +
      `(the manager is busy or a node lost it); Run again. Last answer${opts.step ? ` to ${opts.step}` : ''}: ${lastAnswer}`,
  );
}
