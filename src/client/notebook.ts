import type { RunInfo } from '../../server/protocol.ts';
import { commandToRun, makeEditable } from './block-editor.ts';
import { BlockRunner, WAITING_TEXT } from './block-runner.ts';
import { FileBlocks } from './file-blocks.ts';
import { PlaceholderInputs } from './placeholder-inputs.ts';
import { existingSession, listRuns, queueWatchers, restartSession } from './session-client.ts';
import { showRecordings } from './static-fallback.ts';
import { BLOCK_ATTRIBUTES as A } from '../code-blocks/block-attributes.ts';

/**
 * The page as a notebook: every runnable block in order, Run / Run to here / Run all (stopping
 * at the first block that does not end as expected), Stop, Restart session, Shift+Enter on the
 * focused block, and re-attaching every block to its runs after a reload.
 */
export class Notebook {
  readonly blocks: BlockRunner[];
  readonly #files: FileBlocks;
  readonly #placeholders: PlaceholderInputs;
  readonly #bar: HTMLElement | null;
  #runAll: { stopped: boolean } | undefined;
  onRunStarted: (() => void) | undefined;

  constructor(root: HTMLElement) {
    const els = [...root.querySelectorAll<HTMLElement>(`[${A.command}]`)];
    this.blocks = els.map((el, i) => new BlockRunner(el, `${location.pathname.replace(/\/$/, '') || '/'}#${i}`));
    makeEditable(els);
    this.#files = new FileBlocks(root);
    this.#placeholders = new PlaceholderInputs(root);
    this.#bar = document.querySelector('.notebook-bar');
    this.blocks.forEach((b, i) => {
      b.el.tabIndex = 0;
      b.onWaiting = (waiting) => this.#waiting(i, waiting);
      b.el.querySelector('.rdn-run-button')?.addEventListener('click', () => void this.runOne(i));
      b.el.querySelector('.rdn-to-here-button')?.addEventListener('click', () => void this.runSequence(i));
    });
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || !e.shiftKey) return;
      const i = this.blocks.findIndex((b) => b.el.contains(document.activeElement) || b.paneElement.contains(document.activeElement));
      if (i < 0 || this.blocks[i]!.paneElement.contains(document.activeElement)) return;
      e.preventDefault();
      void this.runOne(i);
    });
    this.#bar?.querySelector('.rdn-run-all')?.addEventListener('click', () => void this.runSequence(this.blocks.length - 1));
    this.#bar?.querySelector('.rdn-stop-all')?.addEventListener('click', () => void this.stopAll());
    this.#bar?.querySelector('.rdn-restart')?.addEventListener('click', () => void this.restart());
    queueWatchers.add((position) => {
      this.#say(
        position === undefined ? '' : `All sandboxes are in use: you are number ${position} in the queue. Your run starts when one frees up.`,
      );
      for (const b of this.blocks)
        if (position !== undefined && b.el.dataset.runState === 'starting')
          b.setState('queued', `Waiting for a sandbox: number ${position} in the queue`);
    });
  }

  #say(text: string): void {
    const el = this.#bar?.querySelector('.rdn-bar-status');
    if (el) el.textContent = text;
  }

  /** An interactive block waits for the reader (Run all cannot go on by itself): say so in the bar too. */
  #waiting(i: number, waiting: boolean): void {
    const bar = this.#bar?.querySelector('.rdn-bar-status');
    if (waiting) this.#say(`${WAITING_TEXT} (block ${i + 1}).`);
    // Run all says what comes next by itself.
    else if (!this.#runAll && bar?.textContent?.startsWith(WAITING_TEXT)) this.#say('');
  }

  /** Runs one block: writes earlier file blocks, fills placeholders, then runs. */
  async runOne(i: number): Promise<boolean> {
    const b = this.blocks[i]!;
    if (b.busy) return false;
    const { command, missing, invalid } = this.#placeholders.fill(commandToRun(b.el));
    if (missing.length) {
      b.refuse('failed', `Fill in ${missing.map((m) => `<${m}>`).join(', ')} first: it is empty.`);
      b.el.querySelector<HTMLInputElement>(`input.rdn-ph[data-ph="${missing[0]}"]`)?.focus();
      return false;
    }
    if (invalid.length) {
      b.refuse('failed', `The value of <${invalid[0]}> is not an id, a name or a tag.`);
      return false;
    }
    this.onRunStarted?.();
    try {
      await this.#files.writeBefore(b.el);
    } catch (err) {
      b.refuse('failed', `A file block above could not be written: ${(err as Error).message}`);
      return false;
    }
    return b.run(command);
  }

  /** Runs blocks 0..last in order and stops at the first that does not end as expected. */
  async runSequence(last: number): Promise<void> {
    if (this.#runAll) return;
    const control = { stopped: false };
    this.#runAll = control;
    this.#bar?.setAttribute('data-running', 'true');
    const targets = this.blocks.slice(0, last + 1);
    for (const b of targets) b.setState('queued', 'Queued');
    let done = 0;
    let explained = false;
    for (const [i, b] of targets.entries()) {
      if (control.stopped) break;
      this.#say(`Running block ${i + 1} of ${targets.length}…`);
      b.el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      const ok = await this.runOne(i);
      if (!ok) {
        if (b.el.dataset.runState === 'stopped') this.#say(`Run all stopped at block ${i + 1}, as you asked.`);
        else this.#say(`Stopped at block ${i + 1}: it did not end as expected.`);
        explained = true;
        control.stopped = true;
        break;
      }
      done++;
    }
    for (const b of targets.slice(done + 1)) if (b.el.dataset.runState === 'queued') b.setState('skipped', 'Not run');
    if (done === targets.length) this.#say(`All ${done} blocks ran as expected.`);
    else if (!explained) this.#say(`Stopped after ${done} of ${targets.length} blocks.`);
    this.#runAll = undefined;
    this.#bar?.removeAttribute('data-running');
  }

  async stopAll(): Promise<void> {
    if (this.#runAll) this.#runAll.stopped = true;
    await Promise.all(this.blocks.map((b) => b.stop()));
  }

  /** A clean sandbox: the old session and everything in it is removed. */
  async restart(): Promise<void> {
    await this.stopAll();
    await restartSession();
    this.#files.reset();
    for (const b of this.blocks) b.refuse('idle', '');
    this.#say('Session restarted: a clean sandbox. Files, containers and variables from before are gone.');
    document.dispatchEvent(new CustomEvent('rdn:session-restarted'));
  }

  /** After a reload (or in a second tab): re-attach every block to its latest run. */
  async restore(): Promise<string | undefined> {
    const id = await existingSession().catch(() => undefined);
    if (!id) return undefined;
    const runs = await listRuns(id).catch(() => [] as RunInfo[]);
    const latest = new Map<string, RunInfo>();
    for (const r of runs) if (r.block && (!latest.has(r.block) || latest.get(r.block)!.createdAt < r.createdAt)) latest.set(r.block, r);
    for (const b of this.blocks) {
      const r = latest.get(b.key);
      if (r && !b.busy) void b.reattach(r);
    }
    return id;
  }

  /** No notes server here (a static host): show recorded outputs and say why Run cannot work. */
  async goStatic(reason: string): Promise<void> {
    document.body.dataset.static = 'true';
    for (const b of this.blocks) {
      for (const button of b.el.querySelectorAll<HTMLButtonElement>('.rdn-run-button, .rdn-to-here-button')) {
        button.disabled = true;
        button.title = reason;
      }
      b.refuse('idle', 'Cannot run here (static copy): its recorded output is below.');
    }
    this.#say(reason);
    await showRecordings(this.blocks.map((b) => b.el));
  }

  /** Recorded outputs for print (the handout), when the server is there too. */
  async loadRecordingsForPrint(): Promise<void> {
    await showRecordings(this.blocks.map((b) => b.el));
  }
}
