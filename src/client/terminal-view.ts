import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import xtermCssUrl from '@xterm/xterm/css/xterm.css?url';
import { TERMINAL_LIMITS, type ServerMessage } from '../../server/protocol.ts';
import { RunStreamAddon } from './run-stream-addon.ts';
import { RunStreamClient, webSocketTransport, type RunEnd } from './run-stream-client.ts';
import { checkSignedIn, wsUrl } from './session-client.ts';

export type { RunEnd } from './run-stream-client.ts';

/** Reconnects in a row before the view gives up on a lost stream. */
const RECONNECTS = 6;

/** xterm's stylesheet, loaded with the first terminal (not with the page). */
function loadXtermCss(): void {
  if (document.querySelector('link[data-xterm-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = xtermCssUrl;
  link.dataset.xtermCss = '';
  document.head.append(link);
}

export interface ViewHooks {
  /** A control message arrived (phases, hello). */
  onMessage?(m: ServerMessage): void;
}

/**
 * An xterm.js terminal bound to one run's stream at a time (through RunStreamAddon): writes output
 * bytes as they come, sends keys and size, reconnects with `since` after a dropped connection (each
 * byte exactly once), and resolves `attach()` with how the run ended, once the terminal holds all its output.
 */
export class TerminalView {
  readonly element: HTMLElement;
  readonly term: Terminal;
  readonly #fit: FitAddon;
  #stream: RunStreamAddon | undefined;

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
    this.term = term;
    this.fit();
    new ResizeObserver(() => this.fit()).observe(element);
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

  /**
   * Fits the terminal to its box, within the sizes the server takes (TERMINAL_LIMITS): a pane on a
   * very wide screen, or a page zoomed far out, gets the widest size a run may have, not a refused Run.
   */
  fit(): void {
    if (this.element.offsetParent === null) return;
    const proposed = this.#fit.proposeDimensions();
    if (!proposed || !Number.isFinite(proposed.cols) || !Number.isFinite(proposed.rows)) return;
    const L = TERMINAL_LIMITS;
    const cols = Math.min(L.maxCols, Math.max(L.minCols, proposed.cols));
    const rows = Math.min(L.maxRows, Math.max(L.minRows, proposed.rows));
    if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
  }

  /** Follows a run from byte 0 (a fresh view) until it ends. */
  attach(runId: string, hooks: ViewHooks = {}): Promise<RunEnd> {
    // Forget the old stream entirely: its close must not reconnect and write here too.
    this.#stream?.dispose();
    this.term.reset();
    this.term.write('\x1b[?25h');
    const client = new RunStreamClient(runId, {
      transport: webSocketTransport(),
      url: wsUrl,
      ack: 'when-processed',
      reconnects: RECONNECTS,
      // A refused upgrade shows only as a close: ask why, since retrying cannot help a signed-out browser.
      beforeReconnect: async () =>
        (await checkSignedIn()) === false
          ? "Signed out, so this run's output cannot be followed here: sign in again, then reload the page."
          : undefined,
    });
    let errorShown = false;
    client.on('dropped', (n) => this.note(`[${n} earlier bytes were dropped: the server keeps the last part of each run]`));
    client.on('message', (m) => {
      if (m.type === 'error') {
        this.note(m.message, m.ended ? 'red' : 'yellow');
        errorShown ||= m.ended === true;
      }
      hooks.onMessage?.(m);
    });
    client.on('end', (e) => {
      if (e.kind === 'failed' && !errorShown) this.note(e.message, 'red');
      this.term.write('\x1b[?25l');
    });
    this.#stream = new RunStreamAddon(client);
    this.term.loadAddon(this.#stream);
    // xterm parses what it is given a little later, in slices: whoever reads the text once the run
    // ended (the failure hint) must see its last output, so the end waits until all of it is parsed.
    return client.start().then((end) => new Promise<RunEnd>((resolve) => this.term.write('', () => resolve(end))));
  }

  /** Stops following the run (its socket closes); the text stays until the next attach. */
  detach(): void {
    this.#stream?.dispose();
    this.#stream = undefined;
  }

  /** A line of the page's own, dimmed or in colour, between the command's output. */
  note(text: string, colour: 'dim' | 'red' | 'yellow' = 'dim'): void {
    const code = { dim: '2', red: '31', yellow: '33' }[colour];
    this.term.write(`\r\n\x1b[${code}m${text}\x1b[0m\r\n`);
  }
}
