import type { Engine } from '../server/docker/engine.ts';
import { ms, now } from './stats.ts';

/** The engine's own exec (create + start) -> first output byte, with nothing of the server's in between. */
export async function execFirstByte(engine: Engine, container: string, cmd: string[], user?: string, env: string[] = []): Promise<number> {
  const t = now();
  const stream = (await engine.exec(container, { cmd, env, user, tty: true, stdin: false })).output;
  return new Promise<number>((resolve) => {
    let first: number | undefined;
    stream.on('data', () => (first ??= ms(t)));
    stream.on('end', () => resolve(first ?? ms(t)));
  });
}
