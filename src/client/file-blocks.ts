import { writeFile } from './session-client.ts';
import { BLOCK_ATTRIBUTES as A } from '../code-blocks/block-attributes.ts';

/** A file block as the page holds it. */
export interface FileBlock {
  path: string;
  content: string;
}

/**
 * Which of the file blocks above a block (`above`, in page order) must be written before it runs:
 * for each path, the last block above that writes it, unless that very content is what was last
 * written to the path. A page may write a path twice (a Dockerfile, a build, a second Dockerfile,
 * a build): the first build run again gets the first Dockerfile back.
 */
export function fileBlocksToWrite(above: readonly FileBlock[], written: ReadonlyMap<string, string>): number[] {
  const last = new Map<string, number>();
  for (const [i, b] of above.entries()) last.set(b.path, i);
  return [...last.values()].sort((a, b) => a - b).filter((i) => written.get(above[i]!.path) !== above[i]!.content);
}

/**
 * File blocks (```lang file=PATH): written into the session's workspace before any later block
 * of the page runs. What was last written is kept per path, so a block is written again when its
 * content, the session, or what a later block of the same path wrote changed.
 */
export class FileBlocks {
  readonly #blocks: HTMLElement[];
  /** Path -> the content last written there in this session. */
  #written = new Map<string, string>();

  constructor(root: ParentNode) {
    this.#blocks = [...root.querySelectorAll<HTMLElement>(`[${A.file}]`)];
  }

  /** Forgets what was written (the session was restarted or replaced). */
  reset(): void {
    this.#written.clear();
    for (const b of this.#blocks) this.#mark(b, '', '');
  }

  /** Writes the file blocks above `el` that its run needs and the workspace does not hold yet. */
  async writeBefore(el: HTMLElement): Promise<void> {
    const above = this.#blocks.filter((b) => b.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    const files = above.map((b) => ({ path: b.getAttribute(A.file) ?? '', content: b.getAttribute(A.fileContent) ?? '' }));
    for (const i of fileBlocksToWrite(files, this.#written)) {
      const b = above[i]!;
      const { path, content } = files[i]!;
      this.#mark(b, 'starting', 'Writing…');
      try {
        const r = await writeFile(path, content);
        this.#written.set(path, content);
        // The other blocks of that path no longer say what the workspace holds.
        for (const other of this.#blocks) if (other !== b && other.getAttribute(A.file) === path) this.#mark(other, '', '');
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
