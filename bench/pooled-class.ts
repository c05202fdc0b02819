import WebSocket from 'ws';
import { sessionEventsPath } from '../server/protocol.ts';
import type { ApiClient } from '../test/support/api-client.ts';
import { startAppServer } from '../test/support/app-server.ts';
import { ms, now, summarize, type Summary } from './stats.ts';

export interface PooledClassFigures {
  size: number;
  ok: number;
  /** Readers whose first Run got a sandbox from the pool (no "creating-sandbox" phase). */
  pooled: number;
  /** Time for the pool to fill before the class arrived. */
  fillSeconds: number;
  firstByte: Summary;
}

/**
 * A reader arriving: a new session and its first Run; the time to the first output byte. As the
 * page does, it opens the session panel's feed a moment after the Run starts (the page's first
 * retry is 250 ms), and keeps it open until the class leaves (`until`).
 */
async function arrive(api: ApiClient, until: Promise<void>): Promise<{ ok: boolean; pooled: boolean; ms: number }> {
  const t = now();
  const session = await api.createSession();
  const id = await api.startRun(session, 'echo ok');
  setTimeout(() => {
    const panel = new WebSocket(api.wsUrl(sessionEventsPath(session)), { headers: { Authorization: `Bearer ${api.token}` } });
    panel.on('error', () => undefined);
    void until.then(() => panel.close());
  }, 250);
  const stream = api.stream(id);
  let first: number | undefined;
  let made = false;
  stream.on('output', () => (first ??= ms(t)));
  stream.on('message', (m) => {
    if (m.type === 'phase' && m.phase === 'creating-sandbox') made = true;
  });
  const end = await stream.start();
  await stream.closed;
  return { ok: end.kind === 'exit' && end.exitCode === 0 && first !== undefined, pooled: !made, ms: first ?? ms(t) };
}

/**
 * A class whose room was prepared: the warm pool sized for `size` readers and filled, then all of them
 * arriving within a second, each making its first Run.
 */
export async function measurePooledClass(size: number, log: (line: string) => void): Promise<PooledClassFigures> {
  const app = await startAppServer({ WARM_POOL: String(size), WARM_POOL_MAX: String(size), MAX_SESSIONS: String(size + 10) });
  try {
    const t = now();
    let ready = 0;
    let said = 0;
    while (ready < size) {
      if (ms(t) > 15 * 60_000) throw new Error(`the warm pool reached ${ready}/${size} in 15 minutes`);
      ready = (await app.api.request('GET', '/api/health')).body.pool.ready as number;
      if (ms(t) - said > 10_000) {
        log(`pooled class of ${size}: ${ready}/${size} sandboxes ready`);
        said = ms(t);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const fillSeconds = ms(t) / 1000;
    log(`pooled class of ${size}: all arrive within a second`);
    let leave!: () => void;
    const left = new Promise<void>((resolve) => (leave = resolve));
    const outcomes = await Promise.all(
      Array.from({ length: size }, async (_, i) => {
        await new Promise((r) => setTimeout(r, (1000 * i) / size));
        return arrive(app.api, left).catch(() => ({ ok: false, pooled: false, ms: Number.NaN }));
      }),
    );
    leave();
    return {
      size,
      ok: outcomes.filter((o) => o.ok).length,
      pooled: outcomes.filter((o) => o.pooled).length,
      fillSeconds,
      firstByte: summarize(outcomes.filter((o) => o.ok).map((o) => o.ms)),
    };
  } finally {
    await app.close();
  }
}
