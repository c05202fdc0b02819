/**
 * The cost of the sandbox boundary: the same figures for a rootless and a rootful sandbox, each
 * from its own server in the same run on the same engine. `npm run bench` prints them as section 7;
 * `npm run bench:isolation` runs only this section.
 */
import type { Engine } from '../server/docker/engine.ts';
import { LABELS } from '../server/docker/labels.ts';
import { sandboxExecIdentity } from '../server/sandbox/sandbox-template.ts';
import type { SandboxIsolation } from '../server/sandbox/sandbox-settings.ts';
import type { ApiClient } from '../test/support/api-client.ts';
import { startAppServer } from '../test/support/app-server.ts';
import { fmt, ms, now, repeat, summarize, type Summary } from './stats.ts';

export interface IsolationFigures {
  isolation: SandboxIsolation;
  /** POST session -> first byte of its first Run, no pool: create + inner engine ready + the exec. */
  coldFirstRun: Summary;
  /** The same from a warm pool. */
  poolFirstRun: Summary;
  /** dockerode exec `echo hi` -> first byte, as the sandbox's exec user. */
  execFloor: Summary;
  /** Warm click (POST run + WebSocket) -> first byte of `echo hi`. */
  warmClick: Summary;
  /** `docker pull ubuntu` (the stand-in) through the mirror in a fresh sandbox, whole run. */
  pullMs: number;
  /** Memory of an idle sandbox after one run (usage minus page cache). */
  idleBytes: number;
}

/** First byte of a run started through the public API. */
export type FirstByte = (api: ApiClient, session: string, command: string) => Promise<number>;

async function execFirstByte(engine: Engine, containerId: string, isolation: SandboxIsolation): Promise<number> {
  const id = sandboxExecIdentity({ mode: 'isolated', isolation });
  const t = now();
  const { output: stream } = await engine.exec(containerId, { cmd: ['echo', 'hi'], env: id.env, user: id.user, tty: true, stdin: false });
  return new Promise<number>((resolve) => {
    let first: number | undefined;
    stream.on('data', () => (first ??= ms(t)));
    stream.on('end', () => resolve(first ?? ms(t)));
  });
}

async function idleMemory(engine: Engine, session: string): Promise<number> {
  const [id] = (await engine.listLabelled({ [LABELS.session]: session })).containers;
  if (!id) return 0;
  return engine.memoryUsed(id);
}

/** Measures one isolation: a cold server and a pooled one, a few sessions each. */
export async function measureIsolation(
  engine: Engine,
  isolation: SandboxIsolation,
  firstByte: FirstByte,
  reps: number,
  log: (l: string) => void,
): Promise<IsolationFigures> {
  const env = { SANDBOX_ISOLATION: isolation };
  const cold = await startAppServer({ ...env, WARM_POOL: '0' });
  try {
    log(`${isolation}: cold first Run`);
    const sessions: string[] = [];
    const coldFirstRun = await repeat(3, async () => {
      const s = await cold.api.createSession();
      sessions.push(s);
      return firstByte(cold.api, s, 'echo hi');
    });
    const session = sessions[0]!;
    const [sandboxId] = (await engine.listLabelled({ [LABELS.session]: session })).containers;
    log(`${isolation}: exec floor and warm click`);
    const execFloor = await repeat(reps, () => execFirstByte(engine, sandboxId!, isolation));
    const warmClick = await repeat(reps, () => firstByte(cold.api, session, 'echo hi'));
    const idle = await Promise.all(sessions.map((s) => idleMemory(engine, s)));
    log(`${isolation}: docker pull ubuntu through the mirror`);
    const t = now();
    const pull = await cold.api.run(sessions[1]!, 'docker pull -q ubuntu');
    if (pull.exitCode !== 0) throw new Error(`docker pull ubuntu failed in a ${isolation} sandbox: ${pull.text}`);
    const pullMs = ms(t);
    await cold.close();
    const pooled = await startAppServer({ ...env, WARM_POOL: '1' });
    try {
      log(`${isolation}: first Run from the warm pool`);
      const poolReady = async () => {
        for (let i = 0; i < 600; i++) {
          if ((await pooled.api.request('GET', '/api/health')).body.pool.ready >= 1) return;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const poolFirstRun = await repeat(3, async () => {
        await poolReady();
        return firstByte(pooled.api, await pooled.api.createSession(), 'echo hi');
      });
      return { isolation, coldFirstRun, poolFirstRun, execFloor, warmClick, pullMs, idleBytes: summarize(idle).median };
    } finally {
      await pooled.close();
    }
  } finally {
    await cold.close();
  }
}

const line = (s: Summary) => `${fmt(s.min)} / ${fmt(s.median)} / ${fmt(s.p95)} ms (n=${s.n})`;

/** Table rows (measure, value, ratio) of both isolations, rootless against rootful. */
export function isolationRows(figures: IsolationFigures[]): string[][] {
  const rootful = figures.find((f) => f.isolation === 'rootful');
  const rows: string[][] = [];
  for (const f of figures) {
    const vs = (a: number, b: number | undefined) => (rootful && f !== rootful && b ? `${fmt(a / b, 2)}x rootful` : '');
    rows.push([`7. ${f.isolation}: cold first Run (sandbox made)`, line(f.coldFirstRun), vs(f.coldFirstRun.median, rootful?.coldFirstRun.median)]);
    rows.push([`7. ${f.isolation}: first Run from the warm pool`, line(f.poolFirstRun), vs(f.poolFirstRun.median, rootful?.poolFirstRun.median)]);
    rows.push([`7. ${f.isolation}: exec floor`, line(f.execFloor), vs(f.execFloor.median, rootful?.execFloor.median)]);
    rows.push([
      `7. ${f.isolation}: warm click -> first byte`,
      line(f.warmClick),
      `${fmt(f.warmClick.median / f.execFloor.median, 2)}x its floor${rootful && f !== rootful ? `; ${vs(f.warmClick.median, rootful.warmClick.median)} (goal <= 1.25x)` : ''}`,
    ]);
    rows.push([`7. ${f.isolation}: docker pull ubuntu via the mirror`, `${fmt(f.pullMs)} ms`, vs(f.pullMs, rootful?.pullMs)]);
    rows.push([`7. ${f.isolation}: idle memory per sandbox`, `${fmt(f.idleBytes / 2 ** 20)} MiB`, vs(f.idleBytes, rootful?.idleBytes)]);
  }
  return rows;
}

/**
 * Warm click -> first byte for both isolations, samples taken alternately from a rootless and a
 * rootful server, so drift in the machine's load falls on both alike.
 */
export async function interleavedWarmClick(firstByte: FirstByte, reps: number, log: (l: string) => void): Promise<Record<SandboxIsolation, Summary>> {
  const servers = {
    rootless: await startAppServer({ SANDBOX_ISOLATION: 'rootless' }),
    rootful: await startAppServer({ SANDBOX_ISOLATION: 'rootful' }),
  };
  try {
    const sessions = { rootless: await servers.rootless.api.createSession(), rootful: await servers.rootful.api.createSession() };
    log('warm click, rootless and rootful alternately');
    for (const k of ['rootless', 'rootful'] as const) await firstByte(servers[k].api, sessions[k], 'echo warm');
    const samples: Record<SandboxIsolation, number[]> = { rootless: [], rootful: [] };
    for (let i = 0; i < reps; i++) {
      for (const k of i % 2 ? (['rootful', 'rootless'] as const) : (['rootless', 'rootful'] as const)) {
        samples[k].push(await firstByte(servers[k].api, sessions[k], 'echo hi'));
      }
    }
    return { rootless: summarize(samples.rootless), rootful: summarize(samples.rootful) };
  } finally {
    await servers.rootless.close();
    await servers.rootful.close();
  }
}

/** The row comparing the interleaved warm clicks. */
export function interleavedRow(w: Record<SandboxIsolation, Summary>): string[] {
  return [
    '7. warm click, interleaved: rootless (rootful)',
    `${line(w.rootless)} (${fmt(w.rootful.median)} ms median)`,
    `${fmt(w.rootless.median / w.rootful.median, 2)}x rootful (goal <= 1.25x)`,
  ];
}
