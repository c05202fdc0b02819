import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import xtermCssUrl from '@xterm/xterm/css/xterm.css?url';
import type { ServerMessage } from '../../server/protocol.ts';
import { ApiError, startRun, stopRun, streamUrl } from './session-client.ts';

const RECONNECTS = 5;
const encoder = new TextEncoder();

/** xterm's stylesheet, loaded with the pane (not with the page). */
function loadXtermCss(): void {
  if (document.querySelector('link[data-xterm-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = xtermCssUrl;
  link.dataset.xtermCss = '';
  document.head.append(link);
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/**
 * The terminal pane under one block: runs the block's command, streams its output live into
 * xterm.js, sends keys and size back, shows phases, the exit code and the duration.
 */
export class RunPane {
  readonly #block: HTMLElement;
  readonly #status: HTMLElement;
  readonly #runButton: HTMLButtonElement;
  readonly #stopButton: HTMLButtonElement;
  readonly #paneEl: HTMLElement;
  #term: Terminal | undefined;
  #fit: FitAddon | undefined;
  #ws: WebSocket | undefined;
  #runId: string | undefined;
  #received = 0;
  #ended = false;

  constructor(block: HTMLElement) {
    this.#block = block;
    this.#status = block.querySelector('.rdn-run-status') as HTMLElement;
    this.#runButton = block.querySelector('.rdn-run-button') as HTMLButtonElement;
    this.#stopButton = block.querySelector('.rdn-stop-button') as HTMLButtonElement;
    // The pane lives after Expressive Code's wrapper: EC resets every style inside it, xterm's included.
    this.#paneEl = document.createElement('div');
    this.#paneEl.className = 'rdn-pane';
    this.#paneEl.hidden = true;
    (block.closest('.expressive-code') ?? block).after(this.#paneEl);
    this.#stopButton.addEventListener('click', () => void this.stop());
  }

  get running(): boolean {
    return this.#runId !== undefined && !this.#ended;
  }

  /** Runs the block's command in a fresh pane (clearing what an earlier run showed). */
  async run(): Promise<void> {
    if (this.running) return;
    const term = this.#terminal();
    term.reset();
    this.#ended = false;
    this.#received = 0;
    this.#setState('starting', 'Starting…');
    this.#runButton.disabled = true;
    this.#stopButton.hidden = false;
    try {
      this.#runId = await startRun(this.#block.dataset.runCommand ?? '', term.cols, term.rows);
      this.#connect(0);
    } catch (err) {
      this.#fail(err instanceof ApiError ? err.message : `Could not start the run: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    if (!this.#runId || this.#ended) return;
    this.#setState('stopping', 'Stopping…');
    await stopRun(this.#runId).catch(() => undefined);
  }

  #terminal(): Terminal {
    if (this.#term) return this.#term;
    loadXtermCss();
    this.#paneEl.hidden = false;
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontSize: 13,
      rows: 14,
      scrollback: 5000,
      theme: dark ? { background: '#0d1117' } : { background: '#1f2328', foreground: '#e6edf3' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(this.#paneEl);
    fit.fit();
    term.onData((d) => this.#send(encoder.encode(d)));
    term.onResize(({ cols, rows }) => this.#send(JSON.stringify({ type: 'resize', cols, rows })));
    new ResizeObserver(() => fit.fit()).observe(this.#paneEl);
    this.#term = term;
    this.#fit = fit;
    return term;
  }

  #send(data: Uint8Array<ArrayBuffer> | string): void {
    if (this.#ws?.readyState === WebSocket.OPEN && !this.#ended) this.#ws.send(data);
  }

  #connect(attempt: number): void {
    const ws = new WebSocket(streamUrl(this.#runId!, this.#received));
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    ws.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) {
        this.#received += ev.data.byteLength;
        this.#term!.write(new Uint8Array(ev.data));
      } else {
        this.#control(JSON.parse(ev.data as string) as ServerMessage);
      }
    };
    ws.onclose = () => {
      if (this.#ended) return;
      // Lost mid-run (network, server restart): resume from the bytes we have.
      if (attempt < RECONNECTS) setTimeout(() => this.#connect(attempt + 1), 300 * 2 ** attempt);
      else this.#fail('Lost the connection to the notes server. Reload the page to re-attach.');
    };
  }

  #control(m: ServerMessage): void {
    switch (m.type) {
      case 'hello':
        if (m.offset > this.#received) {
          this.#term!.write(`\x1b[2m[${m.offset - this.#received} earlier bytes were dropped]\x1b[0m\r\n`);
          this.#received = m.offset;
        }
        if (m.status === 'running') this.#setState('running', 'Running');
        return;
      case 'phase':
        this.#setState('starting', m.percent !== undefined ? `${m.message} ${m.percent}%` : `${m.message}…`);
        if (m.phase === 'ready') this.#setState('running', 'Running');
        return;
      case 'exit': {
        this.#ended = true;
        const expected = Number(this.#block.dataset.runExit ?? '0');
        const ok = m.exitCode === expected;
        this.#setState(ok ? 'ok' : 'failed', `exit ${m.exitCode} · ${formatDuration(m.durationMs)}`);
        this.#block.dataset.runExitCode = String(m.exitCode);
        this.#done();
        return;
      }
      case 'error':
        if (this.running && this.#ws?.readyState === WebSocket.OPEN && m.message.includes('no more input')) return;
        this.#fail(m.message);
        return;
    }
  }

  #fail(message: string): void {
    this.#ended = true;
    this.#setState('failed', message);
    this.#term?.write(`\r\n\x1b[31m${message}\x1b[0m\r\n`);
    this.#done();
  }

  #done(): void {
    this.#term?.write('\x1b[?25l'); // hide the cursor: nothing more will be typed here
    this.#runButton.disabled = false;
    this.#runButton.textContent = 'Run again';
    this.#stopButton.hidden = true;
    this.#fit?.fit();
  }

  #setState(state: string, text: string): void {
    this.#block.dataset.runState = state;
    this.#status.textContent = text;
  }
}
