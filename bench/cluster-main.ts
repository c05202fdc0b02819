/**
 * `npm run bench:cluster [-- 50 150]`: N new sessions at once against the three-node test cluster
 * (started here, removed at the end), each with one `echo ok`: how many succeed, the time from
 * creating the session to the run's first byte (p50 / p95), and how the sandboxes spread over
 * the nodes. Above 60 sessions (one caller may hold 64 run streams) the runs are followed by their
 * info, and the time is to the run's end. BENCH_SERVER_LOG=file keeps the server's output.
 * Heavy: every sandbox is an engine inside an engine node on this one host.
 */
import fs from 'node:fs';
import { LABELS } from '../server/docker/labels.ts';
import { MAX_STREAMS_PER_CALLER } from '../server/ws/stream-caps.ts';
import { startAppServer } from '../test/support/app-server.ts';
import { startTestCluster } from '../test/support/test-cluster.ts';
import { apiFirstByte } from './first-byte.ts';
import { LoadTrail } from './load-average.ts';
import { fmt, ms, now, summarize } from './stats.ts';

const levels = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
const LEVELS = levels.length ? levels : [50, 150];
const log = (line: string) => console.error(`· ${line}`);

const most = Math.max(...LEVELS);
/** Below the server's cap of open run streams per caller, with a few to spare. */
const STREAMS_AT_ONCE = MAX_STREAMS_PER_CALLER - 4;

/** Starts `echo ok` and polls the run until it ends: the time to its end, or why it did not end with exit 0. */
async function runEnd(session: string): Promise<number> {
  const t = now();
  const id = await app.api.startRun(session, 'echo ok');
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const info = await app.api.info(id);
    if (info.status === 'starting' || info.status === 'running') continue;
    if (info.status === 'exited' && info.exitCode === 0) return ms(t);
    throw new Error(info.error?.split('\n')[0] ?? `echo ok ended ${info.status} with exit ${info.exitCode}`);
  }
}
// Room for every session of the biggest level on the nodes, with a third to spare, so placement (not capacity) decides.
const cluster = await startTestCluster({ capacity: Math.ceil((most * 1.34) / 3), log });
// Runs followed by their info (above the streams cap) have nobody attached, as a closed tab has not:
// the server's detach grace (10 min) would stop those still waiting for a sandbox at the back of a burst.
const app = await startAppServer({
  ...cluster.env,
  MAX_SESSIONS: String(most + 10),
  MAX_SESSIONS_PER_USER: String(most + 10),
  RUN_DETACHED_GRACE_MS: String(60 * 60_000),
});
const rows: string[] = [];
const load = new LoadTrail();
load.mark('start');
const results: Record<string, unknown> = {};
try {
  for (const n of LEVELS) {
    log(`${n} new sessions on the cluster, one run each, all at once`);
    const t0 = now();
    const outcomes = await Promise.all(
      Array.from({ length: n }, async () => {
        const t = now();
        try {
          const session = await app.api.createSession();
          const created = ms(t);
          // From asking for a session to the run's first byte: the sandbox is made in between.
          // Past the server's cap of streams per caller (all of these are one caller, the token),
          // the run is followed by its info instead: its end, a moment after `echo ok`'s byte.
          if (n > STREAMS_AT_ONCE) return { ok: true, ms: created + (await runEnd(session)), session };
          const first = await apiFirstByte(app.api, session, 'echo ok').catch(async (err: Error) => {
            // Say why the run gave nothing: its own error (the sandbox's engine too slow to start, ...).
            const runs = (await app.api.request('GET', `/api/sessions/${session}/runs`)).body as Array<{ error?: string }>;
            throw new Error(runs.at(-1)?.error?.split('\n')[0] ?? err.message);
          });
          return { ok: true, ms: created + first, session };
        } catch (err) {
          return { ok: false, ms: ms(t), session: '', error: (err as Error).message };
        }
      }),
    );
    const wall = ms(t0);
    const ok = outcomes.filter((o) => o.ok);
    const lat = summarize(ok.map((o) => o.ms));
    const spread: Record<string, number> = {};
    for (const node of cluster.nodes) {
      spread[node.name] = (await node.engine.listLabelled({ [LABELS.instance]: app.instance, [LABELS.role]: 'sandbox' })).containers.length;
    }
    // Each kind of failure once, with how many sessions it ended (the node in the message left out).
    const kinds = new Map<string, number>();
    for (const o of outcomes.filter((x) => !x.ok)) {
      const kind = String(o.error).replace(/node \S+/, 'node …');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const failures = [...kinds].map(([error, count]) => `${count}× ${error}`);
    rows.push(
      `${`cluster: ${n} sessions at once`.padEnd(34)} ${ok.length}/${n} ok; first byte p50 ${fmt(lat.median / 1000)} s, p95 ${fmt(lat.p95 / 1000)} s, all in ${fmt(wall / 1000)} s; ` +
        `spread ${Object.values(spread).join(' / ')}${failures.length ? `; failures: ${failures.join(' | ')}` : ''}`,
    );
    results[n] = { ok: ok.length, latency: lat, wallMs: wall, spread, failures };
    log(rows.at(-1)!);
    load.mark(`after ${n}`);
    await Promise.all(outcomes.filter((o) => o.session).map((o) => app.api.deleteSession(o.session)));
  }
} finally {
  await app.server.stop();
  await cluster.close();
  // The server's own lines (why a sandbox failed, the steps' timings), for reading after the run.
  if (process.env.BENCH_SERVER_LOG) fs.writeFileSync(process.env.BENCH_SERVER_LOG, app.server.output());
}
rows.push(`${'load average (1 min)'.padEnd(34)} ${load.summary()}`);
console.log(`\n${rows.join('\n')}\n\nJSON: ${JSON.stringify({ results, load: load.marks })}`);
