import crypto from 'node:crypto';
import { loadConfig, type Config } from '../../server/config.ts';
import { Engine } from '../../server/docker/engine.ts';
import { LABELS } from '../../server/docker/labels.ts';
import { probePrivilege } from '../../server/sandbox/privilege-probe.ts';
import type { SandboxSettings } from '../../server/sandbox/sandbox-settings.ts';

/**
 * The real engine the integration and e2e tests run against. Fails (never skips) with a clear
 * message when no engine answers, so a green run always means the engine was exercised.
 */
export async function requireEngine(env: Record<string, string | undefined> = process.env): Promise<{ engine: Engine; config: Config }> {
  const config = loadConfig(env);
  const engine = new Engine(config.docker);
  try {
    await engine.version();
  } catch (err) {
    throw new Error(
      `These tests need a real Docker engine and none answers.\n${(err as Error).message}\n` +
        'On a Debian-like machine run `sudo bash scripts/start-engine.sh && sudo bash scripts/build-images.sh`.',
    );
  }
  return { engine, config };
}

/** A label set unique to one test file, so everything it creates can be found and removed. */
export function testLabels(): Record<string, string> {
  return { [LABELS.test]: crypto.randomUUID() };
}

/**
 * The settings of a sandbox an integration test makes itself: this machine's isolation (rootful
 * ones probe --privileged once), 2 GiB, 2 CPUs, and whatever the test adds (its registry mirror).
 */
export async function testSandboxSettings(engine: Engine, config: Config, extra: Partial<SandboxSettings> = {}): Promise<SandboxSettings> {
  const privilege =
    config.sandboxIsolation === 'rootful' ? (await probePrivilege(engine, config.sandboxImage, testLabels())).privilege : 'capabilities';
  return {
    instance: 'integration-test',
    image: config.sandboxImage,
    mode: 'isolated',
    isolation: config.sandboxIsolation,
    privilege,
    limits: { memoryBytes: 2 * 1024 ** 3, nanoCpus: 2e9, pids: 2048 },
    insecureRegistries: [],
    ...extra,
  };
}
