import crypto from 'node:crypto';
import { loadConfig, type Config } from '../../server/config.ts';
import { Engine } from '../../server/docker/engine.ts';
import { LABELS } from '../../server/docker/labels.ts';

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
