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
  const stream = api.stream(runId);
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
  stream.on('output', (data) => {
    bytes += data.length;
    wake(false);
  });
  stream.on('message', (m) => messages.push(m));
  void stream.start();
  const closed = stream.closed.then((code) => {
    wake(true);
    return code;
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
