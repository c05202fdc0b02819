/**
 * `npm run bench`: what a Run costs, against a floor measured in the same run on the same engine.
 * Prints a table and writes bench-results/bench-<time>.json. No thresholds: read the ratios.
 *   1. exec floor: dockerode exec create+start -> first byte in an idle sandbox; `docker exec` CLI
 *   2. warm click -> first byte through the public API (POST run + WebSocket), vs the floor
 *   3. first Run of a new session: cold, and from the warm pool, vs the warm figure
 *   4. throughput of a run's stream vs the raw exec stream, and the CPU each path costs by process;
 *      server RSS growth; Stop during a flood
 *   5. concurrency: N sessions each making a run at once
 *   6. page weight: gzip JS/CSS before and after the first Run
 *   7. the sandbox boundary: rootless vs rootful (isolation.ts)
 *   8. workshop mode: an attendee's run ending -> the instructor's room showing it, 50 attendees connected
 *   9. under load: the warm click (vs the exec floor taken interleaved) and Stop (also of commands that trap
 *      INT) while 10 new readers keep arriving in the background (under-load.ts)
 *  10. a class with its room prepared: the warm pool sized for 10 and for 50, filled, then all of them
 *      arriving within a second (pooled-class.ts)
 * BENCH_QUICK=1 runs fewer repetitions and smaller sizes (a smoke run). `--only 1,5` runs only
 * those sections (1 and 2 run together: 2 reads 1's floor); section 0, the load average, always runs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../server/config.ts';
import { LABELS } from '../server/docker/labels.ts';
import { sandboxExecIdentity } from '../server/sandbox/sandbox-template.ts';
import { ensureSiteBuilt } from '../server/site-build.ts';
import { startAppServer } from '../test/support/app-server.ts';
import type { RunEnd } from '../src/client/run-stream-client.ts';
import type { ApiClient } from '../test/support/api-client.ts';
import type { AppServer } from '../test/support/app-server.ts';
import { requireEngine } from '../test/support/engine.ts';
import { apiFirstByte } from './first-byte.ts';
import { interleavedRow, interleavedWarmClick, isolationRows, measureIsolation, type IsolationFigures } from './isolation.ts';
import { compareRatios, readRatios, type Ratios } from './compare.ts';
import { LoadTrail } from './load-average.ts';
import { pageWeight } from './page-weight.ts';
import { measureRoomLatency } from './workshop-room.ts';
import { measureUnderLoad } from './under-load.ts';
import { measurePooledClass } from './pooled-class.ts';
import { execFirstByte } from './exec-first-byte.ts';
import { stopDuring } from './stop-during.ts';
import { sandboxSteps, stepsLine } from './sandbox-steps.ts';
import { fmt, ms, now, repeat, summarize, type Summary } from './stats.ts';
import { rssBytes } from '../test/support/process-memory.ts';
import { addSplit, type CpuSplit, cpuSplitSnapshot, NO_CPU } from './process-cpu.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const REPS = QUICK ? 15 : 40;
const BYTES = QUICK ? 64 * 2 ** 20 : 2 ** 30;
const STREAM_ROUNDS = 8;
/** `BENCH_SESSIONS=50` runs only that level of section 5. */
const LEVELS = process.env.BENCH_SESSIONS ? process.env.BENCH_SESSIONS.split(',').map(Number) : QUICK ? [5] : [10, 25, 50];
/** Each level's first Run; at the largest level also a `docker` one, which waits for its sandbox's engine. */
const FIRST_RUNS = [
  { label: '', command: 'echo ok', expect: 'ok' },
  { label: ', `docker version` first', command: "docker version --format 'engine {{.Server.Version}}'", expect: 'engine ' },
];
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const results: Record<string, unknown> = { quick: QUICK, startedAt: new Date().toISOString() };
/** The figures `--compare` reads: ratios and percentiles, which travel between machines better than ms. */
const ratios: Ratios = {};
const ratio = (name: string, value: number, lowerIsBetter = true) => (ratios[name] = { value, lowerIsBetter });
const load = new LoadTrail();
const compareWith = (() => {
  const i = process.argv.indexOf('--compare');
  if (i < 0) return undefined;
  const file = process.argv[i + 1];
  if (!file) throw new Error('--compare needs a saved bench-<time>.json');
  readRatios(file); // fail now, not after minutes of measuring
  return file;
})();
/** The sections to run (`--only 4,5`); all of them without the flag. */
const only = (() => {
  const i = process.argv.indexOf('--only');
  if (i < 0) return undefined;
  const list = (process.argv[i + 1] ?? '').split(',').filter((v) => /^([1-9]|10)$/.test(v));
  if (list.length === 0) throw new Error('--only needs section numbers 1 to 10, e.g. --only 4,5');
  // 2 is measured against 1's floor: asking for either runs both.
  return new Set(list.flatMap((v) => (v === '1' || v === '2' ? ['1', '2'] : [v])));
})();
const section = (n: string) => only === undefined || only.has(n);
const rows: string[][] = [];
const row = (what: string, s: Summary | string, ratio = '') =>
  rows.push([what, typeof s === 'string' ? s : `${fmt(s.min)} / ${fmt(s.median)} / ${fmt(s.p95)} ms (n=${s.n})`, ratio]);
const log = (line: string) => console.error(`· ${line}`);

const { engine, config } = await requireEngine();
// The server's own exec identity for the floors: in a rootless sandbox, its user and its engine.
const identity = sandboxExecIdentity({ mode: 'isolated', isolation: config.sandboxIsolation });
await ensureSiteBuilt(path.join(projectRoot, 'dist'), log);

/** Follows a run to its end counting bytes (acknowledging them, as the page does). */
async function drain(api: ApiClient, id: string): Promise<{ bytes: number; seconds: number; exit: RunEnd }> {
  const t = now();
  const stream = api.stream(id, { ack: 'on-receipt' });
  let bytes = 0;
  stream.on('output', (d) => (bytes += d.length));
  const exit = await stream.start();
  await stream.closed;
  return { bytes, seconds: ms(t) / 1000, exit };
}

// ---- 1 & 2: the floor and the warm figure -------------------------------------------------------
load.mark('start');
const warm = ['1', '4', '5', '6'].some(section) ? await startAppServer({ WARM_POOL: '0', MAX_SESSIONS: '80', RUN_OUTPUT_BYTES: '1m' }) : undefined;
if (warm)
  try {
    await warmSections(warm);
  } finally {
    await warm.close().catch(() => undefined);
  }

/** Sections 1, 2, 4, 5 and 6: one server, one warm session. */
async function warmSections(warm: AppServer): Promise<void> {
  const api = warm.api;
  const session = await api.createSession();
  await api.run(session, 'true');
  const [sandboxId] = (await engine.listLabelled({ [LABELS.session]: session })).containers;
  // The engine's own exec (create + start), with nothing of the server's in between.
  const exec = (cmd: string[], user?: string, env: string[] = []) =>
    engine.exec(sandboxId!, { cmd, env, user, tty: true, stdin: false }).then((e) => e.output);
  const pid = warm.server.process.pid!;
  if (section('1')) await floorSection(api, session, sandboxId!);
  if (section('4')) await streamSection(api, session, exec, pid);
  if (section('5')) await concurrencySection(api, warm, pid);
  if (section('6')) await weightSection(warm);
}

type Exec = (cmd: string[], user?: string, env?: string[]) => Promise<NodeJS.ReadableStream>;

async function floorSection(api: ApiClient, session: string, sandboxId: string): Promise<void> {
  // The floor and the click interleaved, so both see the same machine: a click also comes a moment
  // after the one before, as a reader's do (the session's spare shell is ready again by then).
  log('exec floor (dockerode) and warm click -> first byte, interleaved (echo hi, then docker ps -a)');
  const floorSamples: number[] = [];
  const warmEchoSamples: number[] = [];
  const rawPsSamples: number[] = [];
  const warmPsSamples: number[] = [];
  for (let i = 0; i < REPS; i++) {
    floorSamples.push(await execFirstByte(engine, sandboxId, ['echo', 'hi']));
    warmEchoSamples.push(await apiFirstByte(api, session, 'echo hi'));
  }
  for (let i = 0; i < REPS; i++) {
    rawPsSamples.push(await execFirstByte(engine, sandboxId, ['docker', 'ps', '-a'], identity.user, identity.env));
    warmPsSamples.push(await apiFirstByte(api, session, 'docker ps -a'));
  }
  const [floor, warmEcho, rawPs, warmPs] = [floorSamples, warmEchoSamples, rawPsSamples, warmPsSamples].map(summarize) as [
    Summary,
    Summary,
    Summary,
    Summary,
  ];
  log('exec floor (docker CLI)');
  const cli = await repeat(REPS, () => {
    const t = now();
    return new Promise<number>((resolve) => {
      const child = spawn('docker', ['exec', sandboxId, 'echo', 'hi']);
      let first: number | undefined;
      child.stdout.on('data', () => (first ??= ms(t)));
      child.on('close', () => resolve(first ?? ms(t)));
    });
  });
  row('1. exec floor: dockerode `echo hi`', floor);
  row('1. exec floor: `docker exec` CLI', cli, `${fmt(cli.median / floor.median, 2)}x dockerode`);
  row('2. warm click -> first byte, `echo hi`', warmEcho, `${fmt(warmEcho.median / floor.median, 2)}x floor (goal <= 1.10x)`);
  row('2. floor for `docker ps -a` (dockerode)', rawPs);
  row('2. warm click -> first byte, `docker ps -a`', warmPs, `${fmt(warmPs.median / rawPs.median, 2)}x its floor (goal <= 1.10x)`);
  Object.assign(results, { floor, cli, warmEcho, warmPs, rawPs });
  ratio('2. warm click / exec floor (echo hi, median)', warmEcho.median / floor.median);
  ratio('2. warm click / its floor (docker ps -a, median)', warmPs.median / rawPs.median);
  load.mark('after 1-2');
}

// ---- 4: throughput, memory, Stop during a flood ------------------------------------------------
async function streamSection(api: ApiClient, session: string, exec: Exec, pid: number): Promise<void> {
  log(`throughput: ${Math.round(BYTES / 2 ** 20)} MiB raw exec vs through the API, in ${STREAM_ROUNDS} rounds`);
  // Rounds, each a raw exec and the same through the API: on a shared machine the load moves within
  // a minute, and one long raw run then one long API run compared two loads. Every other round the
  // API goes first, so a load that rises (or falls) through a round favours neither.
  const flood = `head -c ${BYTES / STREAM_ROUNDS} /dev/zero | tr '\\0' 'x'`;
  const rssBefore = rssBytes(pid);
  let rssPeak = rssBefore;
  const raw = { bytes: 0, seconds: 0, cpu: NO_CPU };
  const viaApi = { bytes: 0, seconds: 0, cpu: NO_CPU };
  const roundRatios: number[] = [];
  const rawRound = async () => {
    const t = now();
    const cpu = cpuSplitSnapshot(pid);
    const stream = await exec(['bash', '-c', flood]);
    const bytes = await new Promise<number>((resolve) => {
      let n = 0;
      stream.on('data', (d: Buffer) => (n += d.length));
      stream.on('end', () => resolve(n));
    });
    return { bytes, seconds: ms(t) / 1000, cpu: cpu() };
  };
  const apiRound = async () => {
    const watch = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), 50);
    const cpu = cpuSplitSnapshot(pid);
    const t = now();
    const run = await drain(api, await api.startRun(session, flood));
    clearInterval(watch);
    return { bytes: run.bytes, seconds: ms(t) / 1000, cpu: cpu() };
  };
  for (let round = 0; round < STREAM_ROUNDS; round++) {
    const [r, a] = round % 2 === 0 ? [await rawRound(), await apiRound()] : await apiRound().then(async (a) => [await rawRound(), a] as const);
    roundRatios.push(a.bytes / a.seconds / (r.bytes / r.seconds));
    for (const [total, one] of [
      [raw, r],
      [viaApi, a],
    ] as const) {
      total.bytes += one.bytes;
      total.seconds += one.seconds;
      total.cpu = addSplit(total.cpu, one.cpu);
    }
  }
  const rawRate = raw.bytes / raw.seconds / 1e6;
  const apiRate = viaApi.bytes / viaApi.seconds / 1e6;
  const ratioMedian = 100 * summarize(roundRatios).median;
  row('4. raw exec stream (TTY)', `${fmt(rawRate)} MB/s (${Math.round(raw.bytes / 2 ** 20)} MiB in ${fmt(raw.seconds)} s)`);
  row(
    '4. through the API + WebSocket',
    `${fmt(apiRate)} MB/s (${Math.round(viaApi.bytes / 2 ** 20)} MiB)`,
    `${fmt(ratioMedian, 0)} % of raw, median of ${STREAM_ROUNDS} rounds (${roundRatios.map((r) => fmt(100 * r, 0)).join(', ')}) (goal >= 95 %)`,
  );
  const perGiB = (s: CpuSplit, bytes: number) => {
    const g = bytes / 2 ** 30;
    return `engine ${fmt(s.engine / g, 1)}, shims ${fmt(s.shims / g, 1)}, server ${fmt(s.server / g, 1)}, bench client ${fmt(s.client / g, 1)}; machine ${fmt(s.machine / g, 1)}`;
  };
  row('4. CPU s per GiB, raw exec stream', perGiB(raw.cpu, raw.bytes), 'engine = dockerd; shims copy the TTY');
  row('4. CPU s per GiB, through the API', perGiB(viaApi.cpu, viaApi.bytes), 'the extra hop: server and its client');
  const cpuPerGiB = viaApi.cpu.server / (viaApi.bytes / 2 ** 30);
  row('4. server CPU through the API', `${fmt(cpuPerGiB, 2)} s per GiB streamed`, 'lower is better; steadier than MB/s on a shared machine');
  ratio('4. server CPU s per GiB streamed', cpuPerGiB);
  row('4. server RSS growth during it', `${fmt((rssPeak - rssBefore) / 2 ** 20)} MiB`, 'goal <= 64 MiB');
  log('Stop during a `yes` flood');
  const stop = await repeat(QUICK ? 3 : 5, () => stopDuring(api, session, 'yes', 4 * 2 ** 20));
  row('4. Stop -> end of run, during `yes`', stop, 'goal: p95 <= 250 ms');
  Object.assign(results, {
    throughput: { rawMBps: rawRate, apiMBps: apiRate, rawBytes: raw.bytes, apiBytes: viaApi.bytes, roundRatios, rawCpu: raw.cpu, apiCpu: viaApi.cpu },
    rssGrowthBytes: rssPeak - rssBefore,
    stop,
  });
  ratio('4. stream through the API, % of raw exec', ratioMedian, false);
  ratio('4. server RSS growth, MiB per GiB streamed', (rssPeak - rssBefore) / 2 ** 20 / (viaApi.bytes / 2 ** 30));
  ratio('4. Stop -> end during `yes`, p95 ms', stop.p95);
  load.mark('after 4');
}

// ---- 5: concurrency -----------------------------------------------------------------------------

async function concurrencySection(api: ApiClient, warm: AppServer, pid: number): Promise<void> {
  const concurrency: Record<string, unknown> = {};
  const top = Math.max(...LEVELS);
  for (const n of LEVELS) {
    for (const first of n === top ? FIRST_RUNS : FIRST_RUNS.slice(0, 1)) {
      concurrency[`${n}${first.label}`] = await sessionsAtOnce(api, warm, pid, n, first);
    }
  }
  results.concurrency = concurrency;
  for (const [name, c] of Object.entries(concurrency) as Array<[string, { latency: Summary }]>)
    ratio(`5. ${name} sessions at once, p95 s`, c.latency.p95 / 1000);
  load.mark('after 5');
}

async function sessionsAtOnce(api: ApiClient, warm: AppServer, pid: number, n: number, first: (typeof FIRST_RUNS)[number]) {
  log(`concurrency: ${n} new sessions, one run each (${first.command}), all at once`);
  const rssIdleBefore = rssBytes(pid);
  const logFrom = warm.server.output().length;
  const t0 = now();
  const outcomes = await Promise.all(
    Array.from({ length: n }, async () => {
      const t = now();
      try {
        const s = await api.createSession();
        // When the sandbox was handed out, and the first byte after it: what is left after making it.
        let ready: number | undefined;
        let firstByte: number | undefined;
        const seen = await api.follow(await api.startRun(s, first.command), 0, (_, sofar) => {
          ready ??= sofar.messages.some((m) => m.type === 'phase' && m.phase === 'ready') ? ms(t) : undefined;
          firstByte ??= sofar.output.length > 0 ? ms(t) : undefined;
        });
        const exit = seen.messages.find((m) => m.type === 'exit') as { exitCode: number } | undefined;
        const afterReady = ready !== undefined && firstByte !== undefined ? firstByte - ready : undefined;
        const text = seen.output.toString();
        const ok = exit?.exitCode === 0 && text.includes(first.expect);
        // A session that ran but did not say what was expected: its exit and last line, in the row's errors.
        const said = text.trim().split('\n').at(-1)?.trim().slice(0, 160) ?? '';
        const error = ok ? undefined : `exit ${exit?.exitCode ?? 'none'}: ${said || 'no output'}`;
        return { ok, ms: ms(t), session: s, afterReady, firstByte, error };
      } catch (err) {
        return { ok: false, ms: ms(t), error: (err as Error).message, session: '', afterReady: undefined, firstByte: undefined };
      }
    }),
  );
  const wall = ms(t0);
  // To the run's end: for `echo` that is its first byte; `docker` says it waits for the engine first.
  const lat = summarize(outcomes.map((o) => o.ms));
  const okCount = outcomes.filter((o) => o.ok).length;
  // Memory of an idle session: its sandbox container (cgroup) and the server's share.
  const stats = await Promise.all(
    outcomes
      .filter((o) => o.session)
      .map(async (o) => {
        const [id] = (await engine.listLabelled({ [LABELS.session]: o.session })).containers;
        if (!id) return 0;
        return engine.memoryUsed(id);
      }),
  );
  const perSandbox = stats.reduce((a, b) => a + b, 0) / Math.max(1, stats.length);
  const serverPer = (rssBytes(pid) - rssIdleBefore) / n;
  const errors = [...new Set(outcomes.flatMap((o) => ('error' in o && o.error ? [o.error] : [])))];
  row(
    `5. ${n} sessions at once${first.label}`,
    `${okCount}/${n} ok; p50 ${fmt(lat.median / 1000)} s, p95 ${fmt(lat.p95 / 1000)} s to the run's end, all in ${fmt(wall / 1000)} s`,
    `idle: ${fmt(perSandbox / 2 ** 20)} MiB/sandbox + ${fmt(serverPer / 2 ** 20, 2)} MiB server${n === 50 ? '; goal: p95 <= 30 s' : ''}${errors.length ? `; errors: ${errors.join(' | ')}` : ''}`,
  );
  const steps = sandboxSteps(warm.server.output().slice(logFrom));
  const afterReady = summarize(outcomes.flatMap((o) => (o.afterReady === undefined ? [] : [o.afterReady])));
  row(
    `5. ${n} sessions at once${first.label}: sandbox steps, median/p95 s`,
    `${stepsLine(steps)}; sandbox ready -> first byte ${fmt(afterReady.median / 1000)}/${fmt(afterReady.p95 / 1000)}`,
  );
  await Promise.all(outcomes.filter((o) => o.session).map((o) => api.deleteSession(o.session)));
  return { ok: okCount, latency: lat, wallMs: wall, sandboxMemBytes: perSandbox, serverBytesPerSession: serverPer, steps };
}

// ---- 6: page weight ------------------------------------------------------------------------------
async function weightSection(warm: AppServer): Promise<void> {
  log('page weight in Chromium');
  const weight = await pageWeight(warm.server.url, warm.token, path.join(projectRoot, 'dist'), '/example-commands/', chromiumPath);
  row(
    '6. page JS/CSS before the first Run (gzip)',
    `${fmt(weight.beforeRun.js / 1024)} KB JS + ${fmt(weight.beforeRun.css / 1024)} KB CSS`,
    'goal: JS <= 40 KB',
  );
  row('6. after the first Run (gzip)', `${fmt(weight.afterRun.js / 1024)} KB JS + ${fmt(weight.afterRun.css / 1024)} KB CSS`);
  results.pageWeight = weight;
  ratio('6. JS before the first Run, KB gzip', weight.beforeRun.js / 1024);
}

// ---- 3: first Run of a new session, cold and from the warm pool ------------------------------------
if (section('3')) await firstRunSection();

async function firstRunSection(): Promise<void> {
  log('first Run on a new session: cold, then from the warm pool');
  const cold = await startAppServer({ WARM_POOL: '0' });
  const pooled = await startAppServer({ WARM_POOL: '2' });
  try {
    const coldFirst = await repeat(QUICK ? 3 : 5, async () => apiFirstByte(cold.api, await cold.api.createSession(), 'echo hi'));
    const poolReady = async () => {
      for (let i = 0; i < 600; i++) {
        if ((await pooled.api.request('GET', '/api/health')).body.pool.ready >= 1) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // The warm figure to divide by is taken here, interleaved: a second Run on each pooled session
    // right after its first. Section 2's warm click ran earlier, under another load (this section
    // follows the 50-session burst), and a ratio across two loads says more about the load.
    const warmHere: number[] = [];
    const poolFirst = await repeat(QUICK ? 3 : 5, async () => {
      await poolReady();
      const session = await pooled.api.createSession();
      const first = await apiFirstByte(pooled.api, session, 'echo hi');
      warmHere.push(await apiFirstByte(pooled.api, session, 'echo hi'));
      return first;
    });
    const warm = summarize(warmHere);
    const times = (v: Summary, digits: number) => `${fmt(v.median / warm.median, digits)}x warm`;
    row('3. warm click on those sessions, interleaved', warm);
    row('3. first Run, new session, cold', coldFirst, times(coldFirst, 1));
    row('3. first Run, new session, warm pool', poolFirst, `${times(poolFirst, 2)} (goal <= 1.5x)`);
    Object.assign(results, { coldFirst, poolFirst, warmInSection3: warm });
    ratio('3. first Run from the pool / warm (median)', poolFirst.median / warm.median);
    ratio('3. first Run cold / warm (median)', coldFirst.median / warm.median);
    load.mark('after 3');
  } finally {
    for (const s of [cold, pooled]) await s.close();
  }
}

// ---- 8: workshop mode: an attendee's run ending -> the instructor's room showing it ----------------
if (section('8')) {
  const room = await measureRoomLatency(50, QUICK ? 10 : 30, log);
  row('8. workshop: run end -> instructor room event, 50 attendees connected', room.latency, "includes the room feed's 200 ms debounce");
  results.workshopRoom = room;
  ratio('8. workshop run end -> room event, p95 ms', room.latency.p95);
  load.mark('after 8');
}

// ---- 9: under load: the warm click and Stop while a class keeps arriving ---------------------------
if (section('9')) {
  const u = await measureUnderLoad(engine, identity, { attendees: 10, reps: QUICK ? 10 : 30, stops: QUICK ? 3 : 20 }, log);
  const bg = `${u.backgroundSessions} sessions made meanwhile${u.backgroundFailures ? `, ${u.backgroundFailures} failed` : ''}`;
  row('9. under load: exec floor `echo hi`', u.floor, bg);
  row('9. under load: warm click -> first byte, `echo hi`', u.warmClick, `${fmt(u.warmClick.median / u.floor.median, 2)}x floor (goal <= 1.10x)`);
  ratio('9. under load: warm click / exec floor (median)', u.warmClick.median / u.floor.median);
  for (const [name, s] of Object.entries(u.stop)) {
    row(`9. under load: Stop -> end of run, during ${name}`, s, 'goal: p95 <= 250 ms');
    ratio(`9. under load: Stop -> end during ${name}, p95 ms`, s.p95);
  }
  results.underLoad = u;
  load.mark('after 9');
}

// ---- 10: a class with its room prepared: the pool sized for it ---------------------------------------
if (section('10')) {
  const classes = [];
  for (const size of QUICK ? [5] : [10, 50]) {
    const c = await measurePooledClass(size, log);
    classes.push(c);
    row(
      `10. pool sized for ${size}, all arrive within 1 s`,
      `${c.ok}/${size} ok, ${c.pooled}/${size} pooled; first byte p50 ${fmt(c.firstByte.median / 1000, 2)} s, p95 ${fmt(c.firstByte.p95 / 1000, 2)} s`,
      `pool filled in ${fmt(c.fillSeconds, 0)} s${size >= 50 ? '; goal: p95 <= 2 s' : '; goal: all pooled'}`,
    );
    ratio(`10. pool sized for ${size}: first byte p95 s`, c.firstByte.p95 / 1000);
    ratio(`10. pool sized for ${size}: share pooled`, c.pooled / size, false);
  }
  results.pooledClasses = classes;
  load.mark('after 10');
}

// ---- 7: rootless vs rootful --------------------------------------------------------------------
if (section('7')) {
  const figures: IsolationFigures[] = [];
  for (const isolation of ['rootless', 'rootful'] as const)
    figures.push(await measureIsolation(engine, isolation, apiFirstByte, QUICK ? 10 : 20, log));
  const interleaved = await interleavedWarmClick(apiFirstByte, QUICK ? 15 : 40, log);
  rows.push(...isolationRows(figures), interleavedRow(interleaved));
  results.isolation = { figures, interleaved };
}
load.mark('end');
rows.push(['0. load average (1 min) at each mark', load.summary(), '']);
Object.assign(results, { load: load.marks, ratios });

const width = [Math.max(...rows.map((r) => r[0]!.length)), Math.max(...rows.map((r) => r[1]!.length))];
console.log(`${'\nmeasure'.padEnd(width[0]! + 3)}${'min / median / p95, or value'.padEnd(width[1]! + 3)}ratio`);
for (const r of rows.sort((a, b) => a[0]!.localeCompare(b[0]!))) console.log(`${r[0]!.padEnd(width[0]! + 2)} ${r[1]!.padEnd(width[1]! + 2)} ${r[2]}`);
const dir = path.join(projectRoot, 'bench-results');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nJSON: ${path.relative(projectRoot, file)}`);
if (compareWith) {
  console.log(`\nAgainst ${compareWith}:`);
  for (const line of compareRatios(readRatios(compareWith), ratios)) console.log(line);
}
