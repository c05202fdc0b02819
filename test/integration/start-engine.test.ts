import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdn-start-engine-'));
const bin = path.join(dir, 'bin');
const pidFile = path.join(dir, 'daemon.pid');
let daemonPid: number | undefined;

/** A stand-in for dockerd: records its pid, stops on SIGINT as dockerd does, and otherwise runs on. */
function writeStandIns(): void {
  fs.mkdirSync(bin);
  // Python, because it (like Go's dockerd) installs its SIGINT handler even when the signal was ignored at start.
  fs.writeFileSync(
    path.join(bin, 'fakedockerd'),
    `#!/usr/bin/env python3\nimport os, signal, sys, time\nopen(${JSON.stringify(pidFile)}, 'w').write(str(os.getpid()))\nsignal.signal(signal.SIGINT, lambda *_: (open(${JSON.stringify(`${pidFile}.sigint`)}, 'w').close(), sys.exit(130)))\nwhile True: time.sleep(1)\n`,
    { mode: 0o755 },
  );
  // `docker version` answers once the stand-in daemon runs.
  fs.writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\n[ -s ${pidFile} ] && kill -0 "$(cat ${pidFile})" 2>/dev/null && echo 0.0-standin\n`, {
    mode: 0o755,
  });
}

afterAll(() => {
  if (daemonPid) {
    try {
      process.kill(daemonPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('scripts/start-engine.sh', () => {
  it('starts the engine in a session of its own: Ctrl-C to the terminal that ran it does not stop the engine', async () => {
    writeStandIns();
    // `detached` puts the script in a process group of its own, as a shell does for a foreground `npm start`.
    const script = spawn('bash', [path.join(projectRoot, 'scripts', 'start-engine.sh')], {
      detached: true,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        DOCKERD: 'fakedockerd',
        DOCKERD_LOG: path.join(dir, 'dockerd.log'),
        DOCKER_HOST: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    script.stdout!.on('data', (d) => (out += d));
    script.stderr!.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => script.on('exit', r));
    expect(code, out).toBe(0);
    expect(out).toMatch(/keeps running after this script and the site stop/);
    daemonPid = Number(fs.readFileSync(pidFile, 'utf8'));
    // What Ctrl-C does: SIGINT to every process of the terminal's foreground group.
    try {
      process.kill(-script.pid!, 'SIGINT');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // the group is empty: nothing of it is left to stop
    }
    // Whether the signal reached it is decided by group membership, which /proc states at once: the engine
    // must lead a session of its own, outside the terminal's group (no waiting for a signal that never comes).
    const [, , , pgid, sid] = fs
      .readFileSync(`/proc/${daemonPid}/stat`, 'utf8')
      .replace(/^.*\) /, ') ')
      .split(' ');
    expect(Number(pgid), 'the engine is in the terminal group that Ctrl-C signals').not.toBe(script.pid);
    expect(Number(sid), 'the engine leads a session of its own').toBe(daemonPid);
    expect(fs.existsSync(`${pidFile}.sigint`), 'the engine got the SIGINT sent to the terminal group').toBe(false);
    expect(() => process.kill(daemonPid!, 0), 'the engine stopped with the terminal group').not.toThrow();
  });
});
