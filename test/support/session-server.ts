import { afterAll, beforeAll, expect } from 'vitest';
import { startAppServer, type AppServer } from './app-server.ts';
import { requireEngine } from './engine.ts';
import { expectServerAlive } from './server-alive.ts';

/** A test file's server, its process id, and one session of it whose sandbox has run a command. */
export interface SessionServer {
  readonly app: AppServer;
  /** The server's process at the start: it must be the same one, still answering, at the end. */
  readonly pid: number;
  readonly session: string;
}

/**
 * Registers the set-up of the files that drive one session of a server of their own (the stream attacks, file writes): the real engine required, a
 * server of the file's own (with `env`) and a session whose sandbox is ready (a first `true` ran),
 * so that no test pays for the sandbox's creation. After the file's tests the server must still be
 * the same process and answer, then it is closed.
 */
export function useSessionServer(env: Record<string, string> = {}): SessionServer {
  let app: AppServer | undefined;
  let pid = 0;
  let started: SessionServer | undefined;

  beforeAll(async () => {
    await requireEngine();
    app = await startAppServer(env);
    pid = app.server.process.pid!;
    started = { app, pid, session: await app.api.createSession() };
    expect((await app.api.run(started.session, 'true')).exitCode).toBe(0);
  });

  afterAll(async () => {
    if (app) await expectServerAlive(app.server, pid);
    await app?.close();
  });

  const get = (): SessionServer => {
    if (!started) throw new Error('the test server is read before the beforeAll of useSessionServer() started it');
    return started;
  };
  return {
    get app() {
      return get().app;
    },
    get pid() {
      return get().pid;
    },
    get session() {
      return get().session;
    },
  };
}
