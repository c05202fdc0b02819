import type { Engine } from '../docker/engine.ts';

/** The body of GET /api/health. */
export interface HealthReport {
  engine: { reachable: boolean; host: string; version?: string; apiVersion?: string; error?: string };
  sandboxImage: { name: string; present: boolean };
  sessions: number;
  /** `host` means Run acts on the host's own engine: the page shows a warning banner. */
  mode: 'isolated' | 'host';
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
    };
  } catch (err) {
    return {
      engine: { reachable: false, host, error: (err as Error).message },
      sandboxImage: { name: sandboxImage, present: false },
      sessions,
      mode,
    };
  }
}
