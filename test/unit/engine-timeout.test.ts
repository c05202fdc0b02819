import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../server/docker/engine.ts';
import { EngineUnreachableError } from '../../server/docker/engine-error.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A unix socket that takes connections and never answers, like a hung engine. */
async function silentEngineSocket(): Promise<{ socketPath: string; connectionClosed: Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'silent-engine-'));
  const socketPath = path.join(dir, 'docker.sock');
  let closed!: () => void;
  const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
  // Reads the request (so the client's end is seen) and never answers.
  const server = net.createServer((socket) => socket.resume().on('close', () => closed()));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  cleanups.push(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { socketPath, connectionClosed };
}

describe('an engine call that gets no answer', () => {
  it('is cancelled at its timeout (its connection closed), and fails saying the engine did not answer in time', async () => {
    const { socketPath, connectionClosed } = await silentEngineSocket();
    const engine = new Engine({ kind: 'unix', socketPath, url: `unix://${socketPath}` });
    const failed = await engine.version().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed, 'version() against an engine that never answers').toBeInstanceOf(EngineUnreachableError);
    expect((failed as Error).message).toMatch(/no answer within 5000 ms\. The engine did not answer in time/);
    // Racing a timer would leave the request (and its connection) open after the caller gave up.
    const after = await Promise.race([
      connectionClosed.then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5000, 'still open 5 s later')),
    ]);
    expect(after, "the request's connection after the timeout").toBe('closed');
  }, 30_000);
});
