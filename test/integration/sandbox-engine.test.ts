import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../server/config.ts';
import type { Engine } from '../../server/docker/engine.ts';
import { createSandbox, removeSessionObjects, type Phase, type Sandbox } from '../../server/sandbox/sandbox.ts';
import { probePrivilege } from '../../server/sandbox/privilege-probe.ts';
import { requireEngine, testLabels } from '../support/engine.ts';

const MIRROR_CONTAINER = 'runnable-docker-notes-mirror';
const sessionId = `test-${crypto.randomUUID()}`;
let engine: Engine;
let config: Config;
let sandbox: Sandbox;
const phases: Phase[] = [];

beforeAll(async () => {
  ({ engine, config } = await requireEngine());
  if (!(await engine.imagePresent(config.sandboxImage))) {
    throw new Error(`The sandbox image ${config.sandboxImage} is missing: run \`sudo bash scripts/build-images.sh\`.`);
  }
  const privilege = config.sandboxIsolation === 'rootful' ? (await probePrivilege(engine, config.sandboxImage, testLabels())).privilege : 'capabilities';
  sandbox = await createSandbox(
    engine,
    sessionId,
    {
      instance: 'integration-test',
      image: config.sandboxImage,
      mode: 'isolated',
      isolation: config.sandboxIsolation,
      privilege,
      limits: { memoryBytes: 2 * 1024 ** 3, nanoCpus: 2e9, pids: 2048 },
      registryMirror: 'http://registry-mirror:5000',
      insecureRegistries: ['registry-mirror:5000'],
    },
    { attach: [{ container: MIRROR_CONTAINER, alias: 'registry-mirror' }], onPhase: (p) => phases.push(p) },
  );
});

afterAll(async () => {
  if (engine) await removeSessionObjects(engine, sessionId);
});

describe('the sandbox image: Docker in Docker', () => {
  it('reports named phases while it starts', () => {
    expect(phases.map((p) => p.phase)).toEqual(['creating-sandbox', 'starting-engine', 'ready']);
  });

  it("has its own dockerd, which answers `docker version`", async () => {
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

  it('leaves nothing labelled with the session once removed', async () => {
    await sandbox.remove();
    const left = await engine.listLabelled({ 'runnable-docker-notes.session': sessionId });
    expect(left).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
