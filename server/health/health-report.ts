import type { Config } from '../config.ts';
import type { Engine } from '../docker/engine.ts';
import type { HealthReport, Limits } from '../protocol.ts';

/** The limits of a configuration, for /api/health. */
export function limitsOf(c: Config): Limits {
  return {
    sandbox: {
      memoryBytes: c.limits.memoryBytes,
      cpus: c.limits.nanoCpus / 1e9,
      pids: c.limits.pids,
      disk: `no quota (the local volume driver has none); below ${Math.round(c.diskFreeMin / 2 ** 20)} MiB free where the engine keeps its data, the sandbox using the most is removed`,
    },
    run: {
      timeoutMs: c.runTimeoutMs,
      maxTimeoutMs: c.runTimeoutMaxMs,
      outputBytes: c.runOutputBytes,
      stopGraceMs: c.stopGraceMs,
      detachedGraceMs: c.runDetachedGraceMs,
    },
    sessions: { max: c.maxSessions, perUser: c.maxSessionsPerUser, idleMs: c.sessionIdleMs },
  };
}

/** The isolation in force, as /api/health reports it. */
export function isolationOf(c: Pick<Config, 'sandboxMode' | 'sandboxIsolation'>): HealthReport['isolation'] {
  return c.sandboxMode === 'host' ? 'none' : c.sandboxIsolation;
}

/**
 * Asks the engine, every time, for its version and whether the sandbox image is there, so the
 * report recovers by itself when the engine comes back.
 */
export async function healthReport(
  engine: Engine,
  sandboxImage: string,
  sessions: number,
  mode: HealthReport['mode'],
  isolation: HealthReport['isolation'],
): Promise<HealthReport> {
  const host = engine.connection.url;
  try {
    const v = await engine.version();
    const present = await engine.imagePresent(sandboxImage).catch(() => false);
    return {
      engine: { reachable: true, host, version: v.version, apiVersion: v.apiVersion },
      sandboxImage: { name: sandboxImage, present },
      sessions,
      mode,
      isolation,
    };
  } catch (err) {
    return {
      engine: { reachable: false, host, error: (err as Error).message },
      sandboxImage: { name: sandboxImage, present: false },
      sessions,
      mode,
      isolation,
    };
  }
}
