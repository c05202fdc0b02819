import type { SessionSandbox } from '../sandbox/session-sandbox.ts';
import { WORKSPACE } from '../sandbox/sandbox-template.ts';

/** A check gets this long, then it is killed and counts as not passed. */
export const CHECK_TIMEOUT_S = 30;
/** Output kept from a check (the rest is read and dropped, so the script never blocks on it). */
export const CHECK_OUTPUT_BYTES = 64 * 1024;

/**
 * Runs a page's check script in the attendee's sandbox, as the sandbox's user, without a TTY, in
 * the workspace with the session's saved state (like the next block would see it). Passes on exit 0.
 */
export async function runCheck(sandbox: SessionSandbox, script: string, env: string[]): Promise<{ passed: boolean; output: string }> {
  // The session's state as the next run would load it (session-shell.ts), quietly.
  const wrapper = `cd ${WORKSPACE} 2>/dev/null; . /run/rdn/lib.sh >/dev/null 2>&1 && __rdn_pick_state && . "$__rdn_sf" >/dev/null 2>&1; eval "$RDN_CHECK"`;
  const exec = await sandbox.exec({
    cmd: ['/usr/bin/timeout', '-k', '2', String(CHECK_TIMEOUT_S), '/bin/bash', '-c', wrapper],
    env: [...env, `RDN_CHECK=${script}`],
    tty: false,
  });
  const chunks: Buffer[] = [];
  let kept = 0;
  await new Promise<void>((resolve) => {
    exec.output.on('data', (c: Buffer) => {
      if (kept >= CHECK_OUTPUT_BYTES) return;
      const piece = c.subarray(0, CHECK_OUTPUT_BYTES - kept);
      chunks.push(piece);
      kept += piece.length;
    });
    exec.output.once('end', resolve);
    exec.output.once('close', resolve);
    exec.output.once('error', () => resolve());
  });
  const code = await exec.exitCode().catch(() => -1);
  return { passed: code === 0, output: Buffer.concat(chunks).toString('utf8') };
}
