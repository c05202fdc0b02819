import type { TerminalView } from '../terminal-view.ts';
import type { RoomAttendee } from './instructor-api.ts';

/**
 * Looking over an attendee's shoulder: one of their runs, live, in an xterm pane. Read-only
 * (keys are not sent) until the attendee asks for help; the server enforces the same.
 */
export class ShoulderPane {
  readonly #box: HTMLElement;
  readonly #select: HTMLSelectElement;
  readonly #mode: HTMLElement;
  /** Made once, on the first attach; every later attach (and a second click meanwhile) waits for the same one. */
  #view: Promise<TerminalView> | undefined;
  #user: string | undefined;
  #runId: string | undefined;

  constructor(box: HTMLElement) {
    this.#box = box;
    this.#select = box.querySelector('.room-shoulder-runs')!;
    this.#mode = box.querySelector('.room-shoulder-mode')!;
    this.#select.addEventListener('change', () => void this.#attach(this.#select.value));
    box.querySelector('.room-shoulder-close')!.addEventListener('click', () => this.close());
  }

  get user(): string | undefined {
    return this.#user;
  }

  /** Opens the attendee's running run (else their newest). */
  async open(a: RoomAttendee): Promise<void> {
    this.#user = a.user;
    this.#box.hidden = false;
    this.#box.querySelector('.room-shoulder-title')!.textContent = `${a.user}'s runs`;
    this.#runId = undefined;
    this.update(a);
    const newest = [...a.runs].sort((x, y) => y.createdAt - x.createdAt);
    const pick = newest.find((r) => r.status === 'running') ?? newest[0];
    if (pick) await this.#attach(pick.id);
  }

  /** The room changed: new runs in the list, and typing allowed or not. */
  update(a: RoomAttendee): void {
    if (a.user !== this.#user) return;
    const runs = [...a.runs].sort((x, y) => y.createdAt - x.createdAt);
    this.#select.replaceChildren(
      ...runs.map((r) =>
        Object.assign(document.createElement('option'), {
          value: r.id,
          textContent: `${r.block ?? r.kind} · ${r.status}${r.exitCode !== undefined ? ` (exit ${r.exitCode})` : ''}`,
        }),
      ),
    );
    if (this.#runId) this.#select.value = this.#runId;
    this.#mode.dataset.typing = String(a.help);
    this.#mode.textContent = a.help ? `${a.user} asked for help: you can type into this run.` : `Read-only: ${a.user} has not asked for help.`;
    void this.#view?.then((v) => (v.term.options.disableStdin = !a.help));
    this.#box.dataset.typing = String(a.help);
  }

  async #attach(runId: string): Promise<void> {
    this.#runId = runId;
    this.#select.value = runId;
    // The terminal's code loads on the first Watch: a second Watch or a run picked meanwhile must
    // wait for the same terminal, not make another one under it.
    this.#view ??= import('../terminal-view.ts').then(({ TerminalView }) => new TerminalView(this.#box.querySelector('.room-shoulder-pane')!, 16));
    const view = await this.#view;
    view.term.options.disableStdin = this.#mode.dataset.typing !== 'true';
    if (this.#runId !== runId) return; // another run was picked while the terminal loaded
    this.#box.dataset.runId = runId;
    await view.attach(runId);
  }

  /** Hides the pane and stops following the run (a hidden pane keeps no socket open). */
  close(): void {
    this.#box.hidden = true;
    this.#user = undefined;
    this.#runId = undefined;
    delete this.#box.dataset.runId;
    void this.#view?.then((v) => v.detach());
  }
}
