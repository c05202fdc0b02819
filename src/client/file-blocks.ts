import { writeFile } from './session-client.ts';
import { BLOCK_ATTRIBUTES as A } from '../code-blocks/block-attributes.ts';

/**
 * File blocks (```lang file=PATH): written into the session's workspace before any later block
 * of the page runs. A block is written again when its content or the session changed.
 */
export class FileBlocks {
  readonly #blocks: HTMLElement[];
  #written = new Map<HTMLElement, string>();

  constructor(root: ParentNode) {
    this.#blocks = [...root.querySelectorAll<HTMLElement>(`[${A.file}]`)];
  }

  /** Forgets what was written (the session was restarted or replaced). */
  reset(): void {
    this.#written.clear();
    for (const b of this.#blocks) this.#mark(b, '', '');
  }

  /** Writes every file block that comes before `el` in the page and is not written yet. */
  async writeBefore(el: HTMLElement): Promise<void> {
    for (const b of this.#blocks) {
      if (!(b.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
      const path = b.getAttribute(A.file) ?? '';
      const content = b.getAttribute(A.fileContent) ?? '';
      if (this.#written.get(b) === content) continue;
      this.#mark(b, 'starting', 'Writing…');
      try {
        const r = await writeFile(path, content);
        this.#written.set(b, content);
        this.#mark(b, 'ok', `✓ written to ${r.path}`);
      } catch (err) {
        this.#mark(b, 'failed', `Could not write ${path}: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  #mark(b: HTMLElement, state: string, text: string): void {
    b.dataset.runState = state;
    const status = b.querySelector('.rdn-run-status');
    if (status) status.textContent = text;
  }
}
