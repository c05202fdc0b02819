import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../server/config.ts';
import type { Engine } from '../../server/docker/engine.ts';
import { DOCKER_WRAPPER_FILE, ENGINE_CONTROL_DIR, ENGINE_READY_FILE } from '../../server/sandbox/docker-wrapper.ts';
import { createSandbox } from '../../server/sandbox/create-sandbox.ts';
import { removeSessionObjects } from '../../server/sandbox/remove-session-objects.ts';
import type { Sandbox } from '../../server/sandbox/sandbox.ts';
import { requireEngine, testSandboxSettings } from '../support/engine.ts';

// The server holds a new sandbox's engine back while other sandboxes wait to be made
// (engine-starts.ts): the sandbox must answer meanwhile, and a reader's `docker` must not wait for
// the server's turn. Here the turn is held until a test lets it go.
const sessionId = `test-${crypto.randomUUID()}`;
let engine: Engine;
let config: Config;
let sandbox: Sandbox;
let letGo: () => void;
let turnTaken = false;

/** A command as the reader runs it (their user, their PATH with the docker wrapper first), without a TTY. */
async function asReader(script: string): Promise<{ output: string; exitCode: number }> {
  const h = await sandbox.exec({ cmd: ['bash', '-c', script], tty: false });
  const chunks: Buffer[] = [];
  h.output.on('data', (c: Buffer) => chunks.push(c));
  await new Promise((resolve) => h.output.on('end', resolve));
  return { output: Buffer.concat(chunks).toString('utf8'), exitCode: await h.exitCode() };
}

beforeAll(async () => {
  ({ engine, config } = await requireEngine());
  const held = new Promise<void>((resolve) => (letGo = resolve));
  sandbox = await createSandbox(engine, sessionId, await testSandboxSettings(engine, config), {
    install: { dir: '/run', files: [DOCKER_WRAPPER_FILE] },
    engineTurn: async (start) => {
      await held;
      turnTaken = true;
      await start();
    },
  });
});

afterAll(async () => {
  letGo?.();
  if (engine) await removeSessionObjects(engine, sessionId);
});

describe('a sandbox whose engine the server holds back', () => {
  it('answers a Run that needs no engine, and runs no engine yet', async () => {
    const r = await asReader('echo "shell answers"; ls /proc/[0-9]*/comm | while read -r f; do cat "$f"; done 2>/dev/null | grep -cx dockerd');
    expect(r.output, 'the echo, then how many dockerd processes run').toBe('shell answers\n0\n');
    expect(turnTaken).toBe(false);
  });

  it("keeps its go-ahead pipe out of the reader's reach: they may write it, not replace it", async () => {
    const r = await asReader(
      `c=${ENGINE_CONTROL_DIR}; test -p $c/start && echo pipe; rm -f $c/start 2>/dev/null || echo "no rm"; ln -s /etc/passwd $c/told 2>/dev/null || echo "no link"; test -p $c/start && echo "pipe kept"`,
    );
    if (config.sandboxIsolation === 'rootful') {
      // A rootful sandbox's reader is root there: nothing in it is out of their reach, by design.
      expect(r.output).toContain('pipe');
      return;
    }
    expect(r.output).toBe('pipe\nno rm\nno link\npipe kept\n');
  });

  it("starts its engine for a reader's `docker` at once, without waiting for the server's turn", async () => {
    const r = await asReader('docker version --format "server={{.Server.Version}}"');
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(/server=\d+\.\d+/);
    expect(turnTaken, "the server's turn for this engine").toBe(false);
    const marks = await asReader(`test -e ${ENGINE_CONTROL_DIR}/told && echo told; test -e ${ENGINE_READY_FILE} && echo ready; true`);
    expect(marks.output, 'the go-ahead was taken; the ready mark is left to the server').toBe('told\n');
  });

  it("marks the engine ready once the server's turn comes, though the engine started before", async () => {
    letGo();
    await sandbox.engineReady;
    expect(turnTaken).toBe(true);
    const marks = await asReader(`test -e ${ENGINE_READY_FILE} && echo ready`);
    expect(marks.output).toBe('ready\n');
  });
});
