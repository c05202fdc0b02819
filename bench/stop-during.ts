import type { ApiClient } from '../test/support/api-client.ts';
import { ms, now } from './stats.ts';

/**
 * Stop pressed once `command` has streamed `flowingBytes`: the time until the run's end reaches the
 * reader (its exit frame), as the page shows it. The stream acknowledges on receipt, as the page does.
 */
export async function stopDuring(api: ApiClient, session: string, command: string, flowingBytes: number): Promise<number> {
  const id = await api.startRun(session, command);
  const stream = api.stream(id, { ack: 'on-receipt' });
  let flowing!: () => void;
  const started = new Promise<void>((r) => (flowing = r));
  let bytes = 0;
  stream.on('output', (d) => {
    bytes += d.length;
    if (bytes > flowingBytes) flowing();
  });
  const ended = stream.start();
  await started;
  const t = now();
  const stopped = api.stop(id);
  await ended;
  const took = ms(t);
  await stopped;
  await stream.closed;
  return took;
}
