import type { RunInfo, ServerMessage } from '../../server/protocol.ts';
import { failureHint } from './failure-hints.ts';
import { ApiError, SIGNED_OUT, checkSignedIn, startRun, stopRun } from './session-client.ts';
import type { RunEnd, TerminalView } from './terminal-view.ts';
import { runBlockSettings } from '../code-blocks/block-attributes.ts';

export type BlockState = 'idle' | 'queued' | 'starting' | 'running' | 'waiting' | 'stopping' | 'stopped' | 'ok' | 'failed' | 'skipped';

/** What an interactive block says while its program waits for the reader's keys. */
export const WAITING_TEXT = 'Waiting for you: type in the terminal below';

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** `a `b` c` as text and <code> elements, without going through HTML. */
function withCode(text: string): Node[] {
  return text
    .split('`')
    .map((part, i) => (i % 2 ? Object.assign(document.createElement('code'), { textContent: part }) : document.createTextNode(part)));
}

/**
 * One runnable block of the page: its controls, its state (queued, running, waiting for the
 * reader, stopped, exit code and duration), a hint when it failed in a known way, and its
 * terminal pane, which is made (and xterm.js loaded) on its first run.
 */
export class BlockRunner {
  readonly el: HTMLElement;
  readonly key: string;
  readonly expectedExit: number;
  readonly timeoutMs: number | undefined;
  /** The fence says the program waits for typing (a shell, a password prompt). */
  readonly interactive: boolean;
  /** Told when an interactive run starts waiting for the reader (true) and when it ends (false). */
  onWaiting: ((waiting: boolean) => void) | undefined;
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
    const settings = runBlockSettings((a) => el.getAttribute(a));
    this.expectedExit = settings?.exit ?? 0;
    this.timeoutMs = settings?.timeoutSeconds !== undefined ? settings.timeoutSeconds * 1000 : undefined;
    this.interactive = settings?.interactive === true;
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

  setState(state: BlockState, text: string, detail?: string): void {
    const wasWaiting = this.el.dataset.runState === 'waiting';
    this.el.dataset.runState = state;
    this.#status.textContent = text;
    if (detail) this.#status.append(' ', Object.assign(document.createElement('small'), { textContent: detail }));
    if (wasWaiting && state !== 'waiting') this.onWaiting?.(false);
  }

  /** A line under the block with the next step after a known failure (none: removed). */
  #showHint(hint: { id: string; text: string } | undefined): void {
    this.el.querySelector('.rdn-hint')?.remove();
    if (!hint) return;
    const p = document.createElement('p');
    p.className = 'rdn-hint';
    p.dataset.hint = hint.id;
    p.append(...withCode(hint.text));
    this.el.querySelector('.rdn-run')?.after(p);
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
    this.#showHint(undefined);
    this.#runId = undefined;
    this.#stopWanted = false;
    this.#startedHere = true;
    try {
      const view = await this.#ensureView();
      this.#runId = await startRun(command, { cols: view.term.cols, rows: view.term.rows, block: this.key, timeoutMs: this.timeoutMs });
      if (this.#stopWanted) void stopRun(this.#runId).catch(() => undefined);
      return this.#settle(await view.attach(this.#runId, { onMessage: (m) => this.#progress(m) }));
    } catch (err) {
      let message = err instanceof ApiError ? err.message : `Could not start the run: ${(err as Error).message}`;
      // Behind a login even the terminal's script is refused once signed out: say that, not "failed to fetch".
      if (!(err instanceof ApiError) && (await checkSignedIn()) === false) message = SIGNED_OUT;
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
    this.#showHint(undefined);
    this.#stopWanted = false;
    this.#startedHere = false;
    const view = await this.#ensureView();
    this.#runId = info.id;
    return this.#settle(await view.attach(info.id, { onMessage: (m) => this.#progress(m) }));
  }

  /** The reader (or Run all's Stop) asked this run to stop: its end is "Stopped", not a failure. */
  #stopWanted = false;
  /** This page started the run (not a reload re-attaching): it may take the focus. */
  #startedHere = false;

  async stop(): Promise<void> {
    if (!this.#busy) return;
    this.#stopWanted = true;
    this.setState('stopping', 'Stopping…');
    // Stop pressed before the server gave the run an id: run() stops it as soon as it has one.
    if (!this.#runId) return;
    await stopRun(this.#runId).catch(() => undefined);
  }

  /** Says why the block did not run (missing placeholder, Run all stopped before it, ...). */
  refuse(state: 'failed' | 'skipped' | 'idle', text: string): void {
    this.setState(state, text);
  }

  #progress(m: ServerMessage): void {
    if (m.type === 'phase') {
      if (m.phase === 'ready') this.#running();
      else this.setState('starting', m.percent !== undefined ? `${m.message} ${m.percent}%` : `${m.message}…`);
      if (m.phase === 'replacing-sandbox') this.#view?.note(`${m.message}.`, 'yellow');
    }
    if (m.type === 'hello' && m.status === 'running') this.#running();
  }

  /** The command runs; an interactive one now waits for the reader: say so, show it and give it the keys. */
  #running(): void {
    const state = this.el.dataset.runState;
    if (state === 'stopping' || state === 'waiting') return;
    if (!this.interactive) {
      this.setState('running', 'Running');
      return;
    }
    this.setState('waiting', WAITING_TEXT);
    this.onWaiting?.(true);
    if (!this.#startedHere) return;
    // Smooth, like Run all's own scroll to the block: a new smooth scroll replaces one in flight, where
    // an instant one could be undone by it and leave the pane above the viewport.
    this.#paneEl.scrollIntoView({ block: 'center', behavior: 'smooth' });
    this.#view?.focus();
  }

  #settle(end: RunEnd): boolean {
    // The workshop's progress asks the server again when a run ends.
    document.dispatchEvent(new CustomEvent('rdn:run-ended', { detail: { block: this.key } }));
    this.#busy = false;
    this.#runButton.disabled = false;
    this.#runButton.textContent = 'Run again';
    this.#stopButton.hidden = true;
    const stopped = this.#stopWanted || end.stopped === true;
    if (end.kind === 'failed') {
      if (stopped) this.setState('stopped', 'Stopped', /^Stopped/.test(end.message) ? undefined : `· ${end.message}`);
      else this.#failed(end.message);
      return false;
    }
    const ok = end.exitCode === this.expectedExit;
    this.el.dataset.runExitCode = String(end.exitCode);
    const took = formatDuration(end.durationMs);
    if (ok) {
      this.setState('ok', `exit ${end.exitCode} · ${took}`);
      return true;
    }
    // Stopped on purpose: its 130 (SIGINT) or 137 (SIGKILL) is what Stop does, not a failure of the command.
    if (stopped) {
      this.setState('stopped', 'Stopped', `· exit ${end.exitCode} · ${took}`);
      return false;
    }
    const expected = this.expectedExit === 0 ? '' : ` (expected ${this.expectedExit})`;
    this.#failed(`exit ${end.exitCode}${expected} · ${took}`);
    return false;
  }

  /** A failed run: its status, the next step when its output has a known shape, and no port links (it published nothing). */
  #failed(text: string): void {
    this.setState('failed', text);
    for (const a of this.el.querySelectorAll('.rdn-port-link')) a.remove();
    this.#showHint(failureHint(this.#view?.unwrappedText ?? ''));
  }
}
