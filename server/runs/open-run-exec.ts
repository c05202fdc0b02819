import type { ExecHandle, SessionSandbox } from '../sandbox/session-sandbox.ts';
import { runExecOptions } from './run-exec.ts';
import type { SpareRun, SpareShells } from './spare-shells.ts';

type Size = { cols: number; rows: number };

/** What making a run's exec needs of the run. */
interface RunToOpen {
  id: string;
  command: string;
  env: string[] | undefined;
  spares: SpareShells | undefined;
  /** The latest size asked for (it may change while the exec is being made). */
  size: () => Size | undefined;
  /** Whether Stop came (then no exec is made in a replacement sandbox). */
  stopRequested: () => boolean;
  /** Gets the session's sandbox again, a new one once the first is gone. */
  getSandbox: () => Promise<SessionSandbox>;
  onSandboxLost: (() => void) | undefined;
}

/**
 * Makes a run's exec in `sandbox`: the command given to its spare shell if it has one, else an exec of
 * its own, in a new sandbox if this one died. Says the sandbox it runs in and the size it started
 * with; undefined when Stop came while the sandbox was replaced (no exec was made).
 */
export async function openRunExec(
  sandbox: SessionSandbox,
  run: RunToOpen,
): Promise<{ exec: ExecHandle; sandbox: SessionSandbox; startedWith: Size | undefined; spare: SpareRun | undefined } | undefined> {
  let startedWith = run.size();
  const spare = await run.spares?.run(sandbox, run.id, run.command, startedWith);
  if (spare) {
    startedWith = spare.size;
    // The next run finds its own spare ready.
    run.spares?.prepare(sandbox, startedWith);
    return { exec: spare.exec, sandbox, startedWith, spare };
  }
  try {
    return { exec: await sandbox.exec(runExecOptions(run.id, run.command, startedWith, run.env)), sandbox, startedWith, spare };
  } catch (err) {
    // The sandbox died between two runs: get a new one (with its notice) and try once more.
    // 409: it stopped; 404: it was removed.
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 409 && status !== 404) throw err;
    run.onSandboxLost?.();
    const replaced = await run.getSandbox();
    if (run.stopRequested()) return undefined;
    startedWith = run.size();
    return { exec: await replaced.exec(runExecOptions(run.id, run.command, startedWith, run.env)), sandbox: replaced, startedWith, spare };
  }
}
