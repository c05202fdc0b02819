import type { RunInfo, ServerMessage } from '../../server/protocol.ts';
import type { ApiClient } from './api-client.ts';
import { rssBytes } from './process-memory.ts';
import { countStream } from './stream-counter.ts';

/** What a flood did to the server: its RSS before and at its peak, and the bytes that went through. */
export interface FloodResult {
  before: number;
  peak: number;
  growth: number;
  bytes: number;
  stopped: RunInfo;
  messages: ServerMessage[];
  /** One line for the test log. */
  summary: string;
}

const mib = (n: number) => Math.round(n / 2 ** 20);

/**
 * Runs `yes` in the session, read by a client that keeps up, until `untilBytes` went through or
 * `maxMs` passed (a slow machine), then stops it, watching the server's RSS all along.
 * Bounded vs unbounded: a server that kept its output would grow by about the bytes streamed; a bounded
 * one by its buffers plus garbage not yet collected, which does not grow with the stream. So compare the
 * growth with the bytes streamed, never with a fixed number of MiB.
 */
export async function floodThroughServer(api: ApiClient, session: string, pid: number, untilBytes = 2 ** 30, maxMs = 120_000): Promise<FloodResult> {
  const before = rssBytes(pid);
  let peak = before;
  const r = await api.request('POST', `/api/sessions/${session}/runs`, { command: 'yes', timeoutMs: maxMs + 60_000 });
  if (r.status !== 201) throw new Error(`POST runs answered ${r.status}: ${JSON.stringify(r.body)}`);
  const watch = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);
  const stream = countStream(api, r.body.id as string);
  await Promise.race([stream.until(untilBytes), new Promise((res) => setTimeout(res, maxMs))]);
  const stopped = await api.stop(r.body.id as string);
  await stream.closed;
  clearInterval(watch);
  const growth = peak - before;
  return {
    before,
    peak,
    growth,
    bytes: stream.bytes,
    stopped,
    messages: stream.messages,
    summary: `server RSS ${mib(before)} MiB before, peak ${mib(peak)} MiB (growth ${mib(growth)} MiB) while ${mib(stream.bytes)} MiB streamed`,
  };
}
