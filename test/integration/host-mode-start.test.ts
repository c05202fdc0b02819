import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';

describe('SANDBOX_MODE=host', () => {
  it('with an engine that is not on a local unix socket, the server refuses to start and says why (not at the first Run)', () => {
    const r = spawnSync(process.execPath, [path.join(projectRoot, 'server', 'start.mjs')], {
      // Nothing listens there: the check must not need the engine at all.
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SKIP_PREPARE: '1', SANDBOX_MODE: 'host', DOCKER_HOST: 'tcp://127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const seen = `exit status ${r.status}, signal ${r.signal}; output:\n${r.stdout}${r.stderr}`;
    expect(r.status, `expected the server to exit with 1 at start-up; saw ${seen}`).toBe(1);
    expect(r.stderr, seen).toMatch(
      /SANDBOX_MODE=host needs the engine on a local unix socket \(DOCKER_HOST=unix:\/\/\.\.\.\), not tcp:\/\/127\.0\.0\.1:1/,
    );
    expect(r.stdout, 'nothing may be served').not.toMatch(/Runnable Docker notes: http/);
  });
});
