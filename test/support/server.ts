import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../server/config.ts';

/** A real server process started the way `npm start` starts it, on a free port. */
export interface StartedServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The URL printed at start-up (with the token when one is printed). */
  openUrl: string;
  output: () => string;
  process: ChildProcess;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts `node server/start.mjs` with PORT=0 and waits for the URL it prints. */
export async function startServer(env: Record<string, string> = {}): Promise<StartedServer> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'server', 'start.mjs')], {
    cwd: projectRoot,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SKIP_PREPARE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A test that fails before stopping its server must not leave it running.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let output = '';
  const openUrl = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Runnable Docker notes: (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`The server exited with ${code} before listening:\n${output}`)));
  });
  const url = new URL(openUrl).origin;
  const stop = async () => {
    // Already gone (exited, or killed by a signal: then exitCode stays null).
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  return { url, openUrl, output: () => output, process: child, stop, [Symbol.asyncDispose]: stop };
}
