import type { RunInfo, ServerMessage } from '../../server/protocol.ts';
import { ApiError, startRun, stopRun } from './session-client.ts';
import type { RunEnd, TerminalView } from './terminal-view.ts';

export type BlockState = 'idle' | 'queued' | 'starting' | 'running' | 'stopping' | 'ok' | 'failed' | 'skipped';

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/**
 * One runnable block of the page: its controls, its state (queued, running, exit code and
 * duration), and its terminal pane, which is made (and xterm.js loaded) on its first run.
 */
export class BlockRunner {
  readonly el: HTMLElement;
  readonly key: string;
  readonly expectedExit: number;
  readonly timeoutMs: number | undefined;
  readonly #status: HTMLElement;
  readonly #runButton: HTMLButtonElement;
  readonly #stopButton: HTMLButtonElement;
  readonly #paneEl: HTMLElement;
  #view: TerminalView | undefined;
  #runId: string | undefined;
  #busy = false;

  constructor(el: HTMLElement, key: string) {
    this.el = el;
    this.key = key;
    this.expectedExit = Number(el.dataset.runExit ?? '0');
    const timeout = Number(el.dataset.runTimeout ?? '0');
    this.timeoutMs = timeout > 0 ? timeout * 1000 : undefined;
    this.#status = el.querySelector('.rdn-run-status') as HTMLElement;
    this.#runButton = el.querySelector('.rdn-run-button') as HTMLButtonElement;
    this.#stopButton = el.querySelector('.rdn-stop-button') as HTMLButtonElement;
    this.#stopButton.addEventListener('click', () => void this.stop());
    // The pane lives after Expressive Code's wrapper: EC resets every style inside it, xterm's included.
    this.#paneEl = document.createElement('div');
    this.#paneEl.className = 'rdn-pane';
    this.#paneEl.hidden = true;
    (el.closest('.expressive-code') ?? el).after(this.#paneEl);
  }

  get busy(): boolean {
    return this.#busy;
  }

  /** The text of the block's terminal pane ('' before its first run). */
  get text(): string {
    return this.#view?.text ?? '';
  }

  get paneElement(): HTMLElement {
    return this.#paneEl;
  }

  setState(state: BlockState, text: string): void {
    this.el.dataset.runState = state;
    this.#status.textContent = text;
  }

  async #ensureView(): Promise<TerminalView> {
    if (!this.#view) {
      this.#paneEl.hidden = false;
      const { TerminalView } = await import('./terminal-view.ts');
      this.#view = new TerminalView(this.#paneEl);
    }
    this.#paneEl.hidden = false;
    return this.#view;
  }

  /** Runs `command` (placeholders already filled) and resolves true when it ends as expected. */
  async run(command: string): Promise<boolean> {
    if (this.#busy) return false;
    this.#busy = true;
    this.#runButton.disabled = true;
    this.#stopButton.hidden = false;
    this.setState('starting', 'Starting…');
    this.#runId = undefined;
    this.#stopWanted = false;
    try {
      const view = await this.#ensureView();
      this.#runId = await startRun(command, { cols: view.term.cols, rows: view.term.rows, block: this.key, timeoutMs: this.timeoutMs });
      if (this.#stopWanted) void stopRun(this.#runId).catch(() => undefined);
      return this.#settle(await view.attach(this.#runId, { onMessage: (m) => this.#progress(m) }));
    } catch (err) {
      const message = err instanceof ApiError ? err.message : `Could not start the run: ${(err as Error).message}`;
      this.#view?.note(message, 'red');
      return this.#settle({ kind: 'failed', message });
    }
  }

  /** Shows a run that already exists (after a reload or in a second tab), from its first byte. */
  async reattach(info: RunInfo): Promise<boolean> {
    this.#busy = true;
    this.#runButton.disabled = true;
    this.#stopButton.hidden = info.status === 'exited' || info.status === 'failed';
    this.setState(info.status === 'starting' ? 'starting' : 'running', info.status === 'running' ? 'Running' : 'Re-attaching…');
    const view = await this.#ensureView();
    this.#runId = info.id;
    return this.#settle(await view.attach(info.id, { onMessage: (m) => this.#progress(m) }));
  }

  #stopWanted = false;

  async stop(): Promise<void> {
    if (!this.#busy) return;
    // Stop pressed before the server gave the run an id: stop it as soon as it has one.
    if (!this.#runId) {
      this.#stopWanted = true;
      this.setState('stopping', 'Stopping…');
      return;
    }
    this.setState('stopping', 'Stopping…');
    await stopRun(this.#runId).catch(() => undefined);
  }

  /** Says why the block did not run (missing placeholder, Run all stopped before it, ...). */
  refuse(state: 'failed' | 'skipped' | 'idle', text: string): void {
    this.setState(state, text);
  }

  #progress(m: ServerMessage): void {
    if (m.type === 'phase') {
      if (m.phase === 'ready') this.setState('running', 'Running');
      else this.setState('starting', m.percent !== undefined ? `${m.message} ${m.percent}%` : `${m.message}…`);
      if (m.phase === 'replacing-sandbox') this.#view?.note(`${m.message}.`, 'yellow');
    }
    if (m.type === 'hello' && m.status === 'running') this.setState('running', 'Running');
  }

  #settle(end: RunEnd): boolean {
    this.#busy = false;
    this.#runButton.disabled = false;
    this.#runButton.textContent = 'Run again';
    this.#stopButton.hidden = true;
    if (end.kind === 'failed') {
      this.setState('failed', end.message);
      return false;
    }
    const ok = end.exitCode === this.expectedExit;
    this.el.dataset.runExitCode = String(end.exitCode);
    const expected = ok || this.expectedExit === 0 ? '' : ` (expected ${this.expectedExit})`;
    this.setState(ok ? 'ok' : 'failed', `exit ${end.exitCode}${expected} · ${formatDuration(end.durationMs)}`);
    return ok;
  }
}
