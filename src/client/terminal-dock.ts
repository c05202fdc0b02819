import { existingSession, listRuns, startTerminal } from './session-client.ts';
import type { TerminalView } from './terminal-view.ts';

/**
 * The free terminal docked at the bottom of every page: a shell in the session's sandbox, for what
 * the page does not cover. It shares the session's state (directory, variables) and engine, and
 * completes docker commands on Tab.
 */
export class TerminalDock {
  readonly #root: HTMLElement;
  readonly #body: HTMLElement;
  readonly #onStart: () => void;
  #view: TerminalView | undefined;
  #running = false;

  constructor(onStart: () => void) {
    this.#onStart = onStart;
    this.#root = document.querySelector('.terminal-dock') as HTMLElement;
    this.#body = this.#root.querySelector('.terminal-dock-body') as HTMLElement;
    this.#root.querySelector('.rdn-terminal-toggle')?.addEventListener('click', () => void this.toggle());
  }

  async toggle(): Promise<void> {
    this.#body.hidden = !this.#body.hidden;
    this.#root.dataset.open = String(!this.#body.hidden);
    if (this.#body.hidden) return;
    if (!this.#view) {
      const { TerminalView } = await import('./terminal-view.ts');
      this.#view = new TerminalView(this.#body, 16);
    }
    this.#view.fit();
    this.#view.term.focus();
    if (!this.#running) await this.#start();
  }

  /**
   * The session's shell that still runs (the page was reloaded, or another tab opened it): it is
   * re-attached, with what it showed, instead of a second shell, which nobody could reach and which
   * would count against the session's runs until it timed out.
   */
  async #liveTerminal(): Promise<string | undefined> {
    try {
      const session = await existingSession();
      if (!session) return undefined;
      return (await listRuns(session)).filter((r) => r.kind === 'terminal' && (r.status === 'running' || r.status === 'starting')).at(-1)?.id;
    } catch {
      return undefined; // a new shell then; starting it says what is wrong, if anything is
    }
  }

  async #start(): Promise<void> {
    const view = this.#view!;
    this.#running = true;
    try {
      const id = (await this.#liveTerminal()) ?? (await startTerminal(view.term.cols, view.term.rows));
      this.#onStart();
      const end = await view.attach(id);
      view.note(end.kind === 'exit' ? `The shell ended (exit ${end.exitCode}). Close and open the terminal for a new one.` : end.message);
    } catch (err) {
      view.note((err as Error).message, 'red');
    } finally {
      this.#running = false;
    }
  }
}
