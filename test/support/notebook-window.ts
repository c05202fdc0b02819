import type { Notebook } from '../../src/client/notebook.ts';

/**
 * The page's window as the browser tests read it: src/client/page.ts puts the notebook there.
 * A type only, for the functions passed to page.evaluate (they run in the page, so they cannot import).
 */
export type NotebookWindow = typeof window & { rdnNotebook: Notebook };
