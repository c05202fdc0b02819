import type { ApiClient } from '../test/support/api-client.ts';
import { ms, now } from './stats.ts';

/** First byte of a run started through the public API: POST, then the stream's first output bytes. */
export async function apiFirstByte(api: ApiClient, session: string, command: string): Promise<number> {
  const t = now();
  const id = await api.startRun(session, command);
  const stream = api.stream(id);
  let first: number | undefined;
  stream.on('output', () => (first ??= ms(t)));
  void stream.start();
  await stream.closed;
  if (first === undefined) throw new Error(`no output from ${command}`);
  return first;
}
