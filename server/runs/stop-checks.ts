import type { Logger } from '../logger.ts';
import { after, retryUntil } from '../retry-until.ts';
import { ENGINE_READY_FILE } from '../sandbox/docker-wrapper.ts';
import type { SessionSandbox } from '../sandbox/session-sandbox.ts';

/** After a SIGKILL that was delivered, how long the run may take to be reported ended before the sandbox is. */
const KILL_SETTLE_MS = 10_000;
/** How long the stop helper may take beyond its grace (to start, and to find the run's pid file) before Stop gives up on it. */
const HELPER_START_MS = 4000;
/** After a Stop that took SIGKILL, when to look whether the sandbox can still start a process. */
const SATURATION_LOOK_AFTER_MS = 2000;
/** The exit of STILL_USABLE when the sandbox's engine, which had answered, no longer does. */
const ENGINE_GONE = 3;
/** A helper that starts (every process slot is not taken) and asks the sandbox's engine, if it had one ready. */
const STILL_USABLE = `[ -e ${ENGINE_READY_FILE} ] || exit 0; /usr/bin/timeout 10 /usr/bin/docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || exit ${ENGINE_GONE}`;

/** How a run's exec ended: its exit code, or NOT_STARTED when the engine could not start its process. */
export const NOT_STARTED = 'not started';
export type ExecEnd = number | typeof NOT_STARTED;

/**
 * Whether the sandbox outlived the exec. A signal exit (>= 128) may mean the whole container was
 * killed, and an exec the engine could not start may have been one into a container being stopped;
 * the container's state can lag by a moment: look again briefly before trusting it.
 */
export async function sandboxSurvived(sandbox: SessionSandbox, end: ExecEnd, stopped: boolean, firstLook: Promise<boolean>): Promise<boolean> {
  // An exit of its own (below 128) means the process lived to exit: the sandbox did too.
  if (end !== NOT_STARTED && end < 128) return true;
  // Killed containers report 137; a run we stopped ourselves needs no second look. Up to 2 s: on a
  // loaded host the engine reports the container gone well after the exec's end (0.4 s was outrun).
  const looks = (end === 137 || end === NOT_STARTED) && !stopped ? 20 : 1;
  let looked = false;
  const gone = await retryUntil(
    async () => {
      const running = looked ? await sandbox.running() : await firstLook;
      looked = true;
      return running ? undefined : true;
    },
    { tries: looks, delayMs: 100 },
  );
  return gone === undefined;
}

/**
 * Whether the run ends once the stop helper has done its work. The helper is bounded: one that cannot
 * start (every process slot taken) must not hold Stop up. One that ran may have killed a command that
 * takes a moment to be reported ended on a busy host, and ending the whole sandbox for that would lose
 * the reader's state for nothing: that gets KILL_SETTLE_MS.
 */
export async function endsAfter(helper: Promise<unknown>, runEnded: Promise<void>, stopGraceMs: number): Promise<boolean> {
  const ended = runEnded.then(() => true as const);
  const ran = helper.then(
    () => 'ran' as const,
    () => 'failed' as const,
  );
  // The helper's own work: up to 2 s for the pid file, the grace, then the engine's round trips.
  const first = await Promise.race([ended, ran, after(HELPER_START_MS + stopGraceMs, false as const)]);
  if (first === true) return true;
  return Promise.race([ended, after(first === 'ran' ? KILL_SETTLE_MS : HELPER_START_MS, false as const)]);
}

/**
 * After a Stop that took SIGKILL: whether the sandbox can still start a process, and whether its own
 * engine (once it had answered) still does. A fork bomb in a container of the inner engine is out of
 * reach of the run's signals and keeps every process slot taken, so the next Run could not even start
 * its shell; a bomb at the pids limit can also take the engine down (it cannot make a thread), and no
 * one restarts it. Then the sandbox is ended (the next Run gets a new one, and says so) rather than
 * left unusable.
 */
export async function endIfSaturated(sandbox: SessionSandbox, log: Logger): Promise<void> {
  // A `docker run` killed as its container starts leaves that container starting: give a bomb in it
  // the moment it needs to take every slot, or the look below comes too early (the run has already
  // ended for the reader; only the next Run waits).
  await after(SATURATION_LOOK_AFTER_MS, undefined);
  const probe = sandbox.run(['/bin/bash', '-c', STILL_USABLE]).then(
    (r) => (r.exitCode === 0 ? ('ok' as const) : r.exitCode === ENGINE_GONE ? ('engine gone' as const) : ('failed' as const)),
    () => 'failed' as const,
  );
  const look = await Promise.race([probe, after(HELPER_START_MS, 'slow' as const)]);
  if (look === 'ok') return;
  log.info(
    look === 'engine gone'
      ? "After Stop the sandbox's own Docker engine no longer answers: ending the sandbox"
      : 'After Stop no process could start in the sandbox (every process slot taken): ending the sandbox',
  );
  await sandbox.kill().catch((e: unknown) => log.warn('could not end a sandbox left unusable after Stop', e));
}
