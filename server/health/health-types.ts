// The health report's shape, shared with the page (src/client/engine-status.ts): types only, no imports.

/** The body of GET /api/health. */
export interface HealthReport {
  engine: { reachable: boolean; host: string; version?: string; apiVersion?: string; error?: string };
  sandboxImage: { name: string; present: boolean };
  sessions: number;
  /** `host` means Run acts on the host's own engine: the page shows a warning banner. */
  mode: 'isolated' | 'host';
  /** Who holds root over the sandbox engines: `rootless` (the default), `rootful` (opted into), or none in host mode. */
  isolation: 'rootless' | 'rootful' | 'none';
  /** The limits in force (configuration), when the caller passes them. */
  limits?: Limits;
  /** People waiting for a session while all are in use. */
  queue?: number;
}

/** Limits as data: what every sandbox, run and user gets. */
export interface Limits {
  sandbox: { memoryBytes: number; cpus: number; pids: number; disk: string };
  run: { timeoutMs: number; maxTimeoutMs: number; outputBytes: number; stopGraceMs: number; detachedGraceMs: number };
  sessions: { max: number; perUser: number; idleMs: number };
}
