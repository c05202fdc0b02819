import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../server/config.ts';
import type { Engine } from '../../server/docker/engine.ts';
import { createSandbox } from '../../server/sandbox/create-sandbox.ts';
import { ExecNotStartedError } from '../../server/sandbox/exec-not-started-error.ts';
import { removeSessionObjects } from '../../server/sandbox/remove-session-objects.ts';
import type { Phase, Sandbox } from '../../server/sandbox/sandbox.ts';
import { requireEngine, testSandboxSettings } from '../support/engine.ts';

const MIRROR_CONTAINER = 'runnable-docker-notes-mirror';
const sessionId = `test-${crypto.randomUUID()}`;
let engine: Engine;
let config: Config;
let sandbox: Sandbox;
const phases: Phase[] = [];
/** Whether the engine already answered when createSandbox handed the sandbox out. */
let engineAtHandOut: string;

beforeAll(async () => {
  ({ engine, config } = await requireEngine());
  if (!(await engine.imagePresent(config.sandboxImage))) {
    throw new Error(`The sandbox image ${config.sandboxImage} is missing: run \`sudo bash scripts/build-images.sh\`.`);
  }
  sandbox = await createSandbox(
    engine,
    sessionId,
    await testSandboxSettings(engine, config, { registryMirror: 'http://registry-mirror:5000', insecureRegistries: ['registry-mirror:5000'] }),
    { attach: [{ container: MIRROR_CONTAINER, alias: 'registry-mirror' }], onPhase: (p) => phases.push(p) },
  );
  engineAtHandOut = await Promise.race([sandbox.engineReady.then(() => 'answering'), Promise.resolve('still starting')]);
  await sandbox.engineReady;
});

afterAll(async () => {
  if (engine) await removeSessionObjects(engine, sessionId);
});

describe('the sandbox image: Docker in Docker', () => {
  it('reports named phases while it starts', () => {
    expect(phases.map((p) => p.phase)).toEqual(['creating-sandbox', 'starting-engine', 'ready']);
  });

  it('is handed out once its container runs, while its own engine still starts', () => {
    expect(engineAtHandOut, 'the inner engine when createSandbox returned (a Run that needs no engine must not wait for it)').toBe('still starting');
  });

  it('has its own dockerd, which answers `docker version`', async () => {
    const r = await sandbox.run(['/usr/bin/docker', 'version', '--format', '{{.Server.Version}}|{{.Server.Os}}']);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output.trim()).toMatch(/^\d+\.\d+.*\|linux$/);
    const info = await sandbox.run(['/usr/bin/docker', 'info', '--format', '{{.Driver}}']);
    expect(info.output.trim(), 'inner engine storage driver').toBe('overlay2');
  });

  it('pulls ubuntu through the registry mirror and runs bash in it', async () => {
    const r = await sandbox.run(['/usr/bin/docker', 'run', '--rm', 'ubuntu', 'bash', '-c', 'echo "inner says $((6 * 7))"']);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain('inner says 42');
    const images = await sandbox.run(['/usr/bin/docker', 'images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.output.split('\n')).toContain('ubuntu:latest');
  });

  it("runs the server's helpers as the sandbox's user, with a fixed environment and absolute paths only", async () => {
    const env = await sandbox.run(['/usr/bin/env']);
    expect(env.output, 'the helper environment').toMatch(/^PATH=\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m);
    expect(env.output).toMatch(/^DOCKER_CONFIG=\/etc\/rdn\/docker-config$/m);
    expect(env.output).toMatch(/^BASH_ENV=$/m);
    const id = await sandbox.run(['/usr/bin/id', '-u']);
    expect(id.output.trim(), 'the uid helpers run as').toBe(config.sandboxIsolation === 'rootless' ? '1000' : '0');
    await expect(sandbox.run(['docker', 'ps'])).rejects.toThrow(/absolute path/);
  });

  it('stops reading a helper past 1 MiB of output, and says so', async () => {
    await expect(sandbox.run(['/usr/bin/head', '-c', '3000000', '/dev/zero'])).rejects.toThrow(/printed more than 1024 KiB/);
    const after = await sandbox.run(['/usr/bin/echo', 'still answers']);
    expect(after.output).toContain('still answers');
  });

  it("tells an exec the engine could not start from a command's own exit 126 or 127", async () => {
    // No such program: the engine says why in the output and reports 126, with no process ever started.
    for (const tty of [true, false]) {
      const never = await sandbox.exec({ cmd: ['/usr/bin/no-such-program'], tty });
      const said: Buffer[] = [];
      never.output.on('data', (c: Buffer) => said.push(c));
      await new Promise((r) => never.output.once('end', r));
      await expect(never.exitCode(), `an exec that never started (tty ${tty})`).rejects.toBeInstanceOf(ExecNotStartedError);
      expect(Buffer.concat(said).toString(), "the engine's reason, in the output").toMatch(/no-such-program/);
    }
    for (const code of [126, 127]) {
      const own = await sandbox.exec({ cmd: ['/bin/bash', '-c', `exit ${code}`], tty: true });
      own.output.resume();
      await new Promise((r) => own.output.once('end', r));
      expect(await own.exitCode(), `a command's own exit ${code}`).toBe(code);
    }
  });

  it("writes a file block as the sandbox's user, so the reader can change it", async () => {
    await sandbox.writeFile('blocks/Dockerfile', 'FROM ubuntu\n');
    const r = await sandbox.run(['/usr/bin/stat', '-c', '%u %s', '/workspace/blocks/Dockerfile']);
    expect(r.output.trim(), 'owner uid and size of the written file').toBe(`${config.sandboxIsolation === 'rootless' ? 1000 : 0} 12`);
  });

  it('leaves nothing labelled with the session once removed', async () => {
    await sandbox.remove();
    const left = await engine.listLabelled({ 'runnable-docker-notes.session': sessionId });
    expect(left).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
