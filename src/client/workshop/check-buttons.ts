import { runCheck, type Progress } from './workshop-api.ts';

/**
 * The page's Check buttons: each asks the server to run its check in the reader's sandbox and
 * shows pass or "not yet" with the page's hint (and the output only when the author allows it).
 */
export class CheckButtons {
  readonly keys: string[];
  readonly #els: HTMLElement[];

  constructor(root: HTMLElement, slug: string, onChecked: () => void) {
    this.#els = [...root.querySelectorAll<HTMLElement>('.rdn-check[data-check]')];
    this.keys = this.#els.map((el) => el.dataset.check!);
    for (const el of this.#els) {
      el.hidden = false;
      const button = el.querySelector<HTMLButtonElement>('.rdn-check-button')!;
      button.addEventListener('click', async () => {
        button.disabled = true;
        this.#result(el, 'checking', 'Checking…');
        try {
          const r = await runCheck(slug, el.dataset.check!);
          if (r.passed) this.#result(el, 'passed', '✓ Passed');
          else this.#result(el, 'failed', `Not yet${r.hint ? `: ${r.hint}` : '.'}`, r.output);
        } catch (err) {
          this.#result(el, 'error', `Could not check: ${(err as Error).message}`);
        }
        button.disabled = false;
        onChecked();
      });
    }
  }

  #result(el: HTMLElement, state: string, text: string, output?: string): void {
    el.dataset.state = state;
    el.querySelector('.rdn-check-result')!.textContent = text;
    el.querySelector('.rdn-check-output')?.remove();
    if (output) el.append(Object.assign(document.createElement('pre'), { className: 'rdn-check-output', textContent: output }));
  }

  /** After a reload: what each check said last (a check not yet tried says nothing). */
  show(progress: Progress, slug: string): void {
    const mine = progress.pages[slug]?.checks ?? {};
    for (const el of this.#els) {
      const c = mine[el.dataset.check!];
      if (!c || el.dataset.state) continue;
      this.#result(el, c.passed ? 'passed' : 'failed', c.passed ? '✓ Passed' : 'Not yet: press Check again when you have done this step.');
    }
  }
}
