import type { ServerMessage } from '../../server/protocol.ts';
import type { ApiClient } from './api-client.ts';

/** A reader of a run's stream that counts output bytes without keeping them (for floods). */
export interface CountedStream {
  /** Output bytes received so far. */
  readonly bytes: number;
  readonly messages: ServerMessage[];
  /** Resolves with the close code when the server closes the stream. */
  readonly closed: Promise<number>;
  /** Resolves once `bytes` reaches `n`, or when the stream closes first. */
  until(n: number): Promise<void>;
}

/** Follows a run from offset 0, counting bytes: the test process stays small however much flows. */
export function countStream(api: ApiClient, runId: string): CountedStream {
  const ws = api.open(runId);
  const messages: ServerMessage[] = [];
  let bytes = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const wake = (all: boolean) => {
    for (const w of [...waiters]) {
      if (all || bytes >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const closed = new Promise<number>((resolve) => {
    ws.on('close', (code) => {
      wake(true);
      resolve(code);
    });
  });
  ws.on('message', (data: Buffer, binary) => {
    if (binary) {
      bytes += data.length;
      wake(false);
    } else messages.push(JSON.parse(data.toString()) as ServerMessage);
  });
  return {
    get bytes() {
      return bytes;
    },
    messages,
    closed,
    until: (n) => (bytes >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
  };
}
