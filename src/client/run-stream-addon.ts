import type { ITerminalAddon, Terminal } from '@xterm/xterm';
import type { Disposable, RunStreamClient } from './run-stream-client.ts';

/**
 * Binds a terminal to a run's stream, as xterm's AttachAddon binds one to a socket: output is
 * written to the screen and acknowledged once xterm has drawn it (so the server pauses a flood
 * instead of freezing the tab), keys and the terminal's size go to the run. Every listener is a
 * disposable; dispose() takes them all off and stops following the stream.
 */
export class RunStreamAddon implements ITerminalAddon {
  readonly client: RunStreamClient;
  #disposables: Disposable[] = [];

  constructor(client: RunStreamClient) {
    this.client = client;
  }

  activate(term: Terminal): void {
    const client = this.client;
    this.#disposables.push(
      client.on('output', (bytes, processed) => term.write(bytes, processed)),
      // Each (re)connection starts at the server's default size until told the pane's.
      client.on('open', () => client.resize(term.cols, term.rows)),
      term.onData((data) => client.stdin(data)),
      // Bytes xterm reports as a binary string (some mouse modes), one char per byte.
      term.onBinary((data) => client.stdin(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff))),
      term.onResize(({ cols, rows }) => client.resize(cols, rows)),
    );
  }

  dispose(): void {
    for (const d of this.#disposables) d.dispose();
    this.#disposables = [];
    this.client.close();
  }
}
