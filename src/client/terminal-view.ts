import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import xtermCssUrl from '@xterm/xterm/css/xterm.css?url';
import type { ServerMessage } from '../../server/protocol.ts';
import { checkSignedIn, streamUrl } from './session-client.ts';

const RECONNECTS = 6;
const encoder = new TextEncoder();

/** xterm's stylesheet, loaded with the first terminal (not with the page). */
function loadXtermCss(): void {
  if (document.querySelector('link[data-xterm-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = xtermCssUrl;
  link.dataset.xtermCss = '';
  document.head.append(link);
}

/** How a run ended, as the view saw it (`stopped`: someone stopped it, see the exit message). */
export type RunEnd = { kind: 'exit'; exitCode: number; durationMs: number; stopped?: boolean } | { kind: 'failed'; message: string; stopped?: boolean };

export interface ViewHooks {
  /** A control message arrived (phases, hello). */
  onMessage?(m: ServerMessage): void;
}

/**
 * An xterm.js terminal bound to one run's stream at a time: writes output bytes as they come,
 * sends keys and size, reconnects with `since` after a dropped connection (each byte exactly
 * once), and resolves `attach()` with how the run ended.
 */
export class TerminalView {
  readonly element: HTMLElement;
  readonly term: Terminal;
  readonly #fit: FitAddon;
  #ws: WebSocket | undefined;
  #runId: string | undefined;
  #received = 0;
  #ended = true;

  constructor(element: HTMLElement, rows = 14) {
    loadXtermCss();
    this.element = element;
    const term = new Terminal({
      cursorBlink: true,
      fontSize: 13,
      rows,
      scrollback: 5000,
      theme: { background: '#1f2328', foreground: '#e6edf3' },
    });
    this.#fit = new FitAddon();
    term.loadAddon(this.#fit);
    term.open(element);
    this.fit();
    term.onData((d) => this.#send(encoder.encode(d)));
    term.onResize(({ cols, rows: r }) => this.#send(JSON.stringify({ type: 'resize', cols, rows: r })));
    new ResizeObserver(() => this.fit()).observe(element);
    this.term = term;
  }

  /** Everything the terminal holds, scrollback included, as plain lines (for tests and copy). */
  get text(): string {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n').replace(/\n+$/, '');
  }

  /** Like `text`, with lines the terminal wrapped at its width joined again (for matching messages). */
  get unwrappedText(): string {
    const buf = this.term.buffer.active;
    let out = '';
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i);
      out += (i > 0 && !line?.isWrapped ? '\n' : '') + (line?.translateToString(true) ?? '');
    }
    return out.replace(/\n+$/, '');
  }

  /** Puts the keyboard in the terminal (a run that waits for typing). */
  focus(): void {
    this.term.focus();
  }

  fit(): void {
    if (this.element.offsetParent !== null) this.#fit.fit();
  }

  /** Follows a run from byte 0 (a fresh view) until it ends. */
  attach(runId: string, hooks: ViewHooks = {}): Promise<RunEnd> {
    if (this.#ws) {
      // Forget the old stream entirely: its close must not reconnect and write here too.
      this.#ws.onmessage = null;
      this.#ws.onclose = null;
      this.#ws.close();
    }
    this.term.reset();
    this.term.write('\x1b[?25h');
    this.#runId = runId;
    this.#received = 0;
    this.#ended = false;
    return new Promise((resolve) => this.#connect(0, hooks, resolve));
  }

  /** A line of the page's own, dimmed or in colour, between the command's output. */
  note(text: string, colour: 'dim' | 'red' | 'yellow' = 'dim'): void {
    const code = { dim: '2', red: '31', yellow: '33' }[colour];
    this.term.write(`\r\n\x1b[${code}m${text}\x1b[0m\r\n`);
  }

  /** Counts what xterm has drawn on one connection and acknowledges it (batched). */
  static #acker(ws: WebSocket): (n: number) => void {
    let processed = 0;
    let acked = 0;
    let timer: number | undefined;
    const flush = () => {
      timer = undefined;
      if (ws.readyState === WebSocket.OPEN && processed > acked) {
        acked = processed;
        ws.send(JSON.stringify({ type: 'ack', bytes: processed }));
      }
    };
    return (n) => {
      processed += n;
      if (processed - acked >= 64 * 1024) flush();
      else timer ??= window.setTimeout(flush, 50);
    };
  }

  #send(data: Uint8Array<ArrayBuffer> | string): void {
    if (this.#ws?.readyState === WebSocket.OPEN && !this.#ended) this.#ws.send(data);
  }

  #connect(attempt: number, hooks: ViewHooks, resolve: (e: RunEnd) => void): void {
    const runId = this.#runId!;
    const ws = new WebSocket(streamUrl(runId, this.#received));
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    const ack = TerminalView.#acker(ws);
    const end = (e: RunEnd) => {
      if (this.#ended) return;
      this.#ended = true;
      this.term.write('\x1b[?25l');
      resolve(e);
    };
    ws.onopen = () => {
      attempt = 0;
      this.#send(JSON.stringify({ type: 'resize', cols: this.term.cols, rows: this.term.rows }));
    };
    ws.onmessage = (ev) => {
      if (this.#runId !== runId) return;
      if (ev.data instanceof ArrayBuffer) {
        const n = ev.data.byteLength;
        this.#received += n;
        // Acknowledge what xterm has drawn, so the server pauses a flood instead of freezing the tab.
        this.term.write(new Uint8Array(ev.data), () => ack(n));
        return;
      }
      const m = JSON.parse(ev.data as string) as ServerMessage;
      if (m.type === 'hello' && m.offset > this.#received) {
        this.note(`[${m.offset - this.#received} earlier bytes were dropped: the server keeps the last part of each run]`);
        this.#received = m.offset;
      }
      if (m.type === 'exit') end({ kind: 'exit', exitCode: m.exitCode, durationMs: m.durationMs, stopped: m.stopped === true });
      if (m.type === 'error') {
        this.note(m.message, m.ended ? 'red' : 'yellow');
        if (m.ended) end({ kind: 'failed', message: m.message, stopped: m.stopped === true });
      }
      hooks.onMessage?.(m);
    };
    ws.onclose = (ev) => {
      if (this.#ended || this.#runId !== runId) return;
      if (ev.code === 4000) return; // the error frame before it ended the run
      const giveUp = (message: string) => {
        this.note(message, 'red');
        end({ kind: 'failed', message });
      };
      // Lost mid-run (network, server restart): resume from the bytes we have, unless the server
      // now refuses this browser (a refused upgrade shows only as a close): then retrying cannot help.
      if (attempt >= RECONNECTS) return giveUp('Lost the connection to the notes server. Reload the page to re-attach.');
      setTimeout(() => {
        void checkSignedIn().then((signedIn) => {
          if (this.#ended || this.#runId !== runId) return;
          if (signedIn === false) giveUp('Signed out, so this run\'s output cannot be followed here: sign in again, then reload the page.');
          else this.#connect(attempt + 1, hooks, resolve);
        });
      }, 250 * 2 ** attempt);
    };
  }
}
