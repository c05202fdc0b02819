import type { Progress } from './workshop-api.ts';

type PageProgress = Progress['pages'][string];

/** A page is done when every Run block ended with exit status and every check passed. */
function pageDone(p: PageProgress | undefined, blocks: number, checks: string[]): boolean {
  if (!p || blocks + checks.length === 0) return false;
  // Run blocks only: a catch-up (`#catch-up`) is not one of the page's blocks.
  const ran = Object.entries(p.blocks).filter(([key, b]) => /#\d+$/.test(key) && b.status === 'exited').length;
  return ran >= blocks && checks.every((c) => p.checks[c]?.passed === true);
}

/**
 * Progress at the top of the page ("4 of 9 blocks · 1 of 3 checks") and a tick per finished page
 * in the sidebar. The counts of other pages come from the sidebar links (the build writes them).
 */
export class ProgressView {
  readonly #el: HTMLElement;
  readonly #slug: string;
  readonly #blockKeys: Array<{ key: string; exit: number }>;
  readonly #checks: string[];

  constructor(host: HTMLElement, slug: string, blockKeys: Array<{ key: string; exit: number }>, checks: string[]) {
    this.#slug = slug;
    this.#blockKeys = blockKeys;
    this.#checks = checks;
    this.#el = document.createElement('div');
    this.#el.className = 'rdn-progress';
    this.#el.setAttribute('role', 'status');
    host.append(this.#el);
  }

  show(progress: Progress): void {
    const mine = progress.pages[this.#slug];
    // On its own page a block counts when it ended as the page expects (exit=N blocks included).
    const ran = this.#blockKeys.filter((b) => mine?.blocks[b.key]?.status === 'exited' && (mine.blocks[b.key]!.exitCode ?? 0) === b.exit).length;
    const passed = this.#checks.filter((c) => mine?.checks[c]?.passed).length;
    const parts = [];
    if (this.#blockKeys.length) parts.push(`${ran} of ${this.#blockKeys.length} blocks run`);
    if (this.#checks.length) parts.push(`${passed} of ${this.#checks.length} checks passed`);
    const total = this.#blockKeys.length + this.#checks.length;
    this.#el.hidden = total === 0;
    this.#el.dataset.done = String(total > 0 && ran + passed === total);
    this.#el.replaceChildren(
      Object.assign(document.createElement('span'), { className: 'rdn-progress-text', textContent: `Your progress: ${parts.join(' · ')}` }),
      Object.assign(document.createElement('progress'), { max: total || 1, value: ran + passed }),
    );
    for (const a of document.querySelectorAll<HTMLAnchorElement>('.sidebar a[data-page]')) {
      const checks = (a.dataset.stepsChecks ?? '').split(' ').filter(Boolean);
      const done = pageDone(progress.pages[a.dataset.page!], Number(a.dataset.stepsBlocks ?? '0'), checks);
      a.querySelector('.rdn-tick')?.remove();
      if (done)
        a.append(
          Object.assign(document.createElement('span'), {
            className: 'rdn-tick',
            textContent: ' ✓',
            title: 'Done: every block ran and every check passed',
          }),
        );
    }
  }
}
