import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../server/docker/engine.ts';
import { requireEngine, testLabels } from '../support/engine.ts';

const labels = testLabels();
let engine: Engine;
let image: string;

beforeAll(async () => {
  const found = await requireEngine();
  engine = found.engine;
  image = 'ubuntu:latest';
});

afterAll(async () => {
  await engine?.removeLabelled(labels);
});

describe('the project dockerode module against the real engine', () => {
  it('reports the engine version', async () => {
    const v = await engine.version();
    expect(v.version).toMatch(/^\d+\.\d+/);
    expect(v.apiVersion).toMatch(/^1\.\d+$/);
  });

  it('runs a labelled container that prints the expected output and is removed afterwards', async () => {
    const r = await engine.runOnce({ image, cmd: ['bash', '-c', 'echo "hello from $(hostname -s)"; exit 7'], labels });
    expect(r.output).toMatch(/^hello from \w+\n$/);
    expect(r.exitCode).toBe(7);
    const left = await engine.listLabelled(labels);
    expect(left.containers).not.toContain(r.containerId);
  });

  it('says a missing image is missing', async () => {
    expect(await engine.imagePresent('runnable-docker-notes/no-such-image:never')).toBe(false);
  });
});
