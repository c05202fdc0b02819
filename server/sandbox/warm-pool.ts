import type { SessionSandbox } from './session-sandbox.ts';

/** A sandbox made ahead of time, under the session id it will be handed to (its labels carry it). */
export interface PooledSandbox {
  sessionId: string;
  sandbox: Promise<SessionSandbox>;
}

/**
 * What sessions and the workshop need of a warm pool: the single host's (SandboxPool) or a
 * cluster's, per node (ClusterPool).
 */
export interface WarmPool {
  /** How many it keeps ready; an instructor's class size may raise it (then call fill()). */
  size: number;
  /** Ready sandboxes waiting for a session. */
  readonly ready: number;
  /** Hands one pooled sandbox to a new session, never twice; none: the session makes its own. */
  take(): PooledSandbox | undefined;
  /** Tops the pool up, in the background. */
  fill(): void;
  /** Removes every pooled sandbox (server shutdown). */
  close(): Promise<void>;
}
