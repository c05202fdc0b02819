import type { RunInfo } from '../protocol.ts';

/** A run's fields as it keeps them: undefined (or false) while it has none. */
type RunFields = Pick<RunInfo, 'id' | 'sessionId' | 'command' | 'kind' | 'createdAt' | 'status'> & {
  block: string | undefined;
  exitCode: number | undefined;
  durationMs: number | undefined;
  stopped: boolean;
  error: string | undefined;
};

/** What clients are told of a run: the fields it has, without the ones it has none for (yet). */
export function runInfo(run: RunFields): RunInfo {
  return {
    id: run.id,
    sessionId: run.sessionId,
    command: run.command,
    kind: run.kind,
    ...(run.block !== undefined ? { block: run.block } : {}),
    createdAt: run.createdAt,
    status: run.status,
    ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
    ...(run.durationMs !== undefined ? { durationMs: run.durationMs } : {}),
    ...(run.stopped ? { stopped: true as const } : {}),
    ...(run.error !== undefined ? { error: run.error } : {}),
  };
}
