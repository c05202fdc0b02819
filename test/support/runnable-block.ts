import type { Page } from 'playwright-core';
import type { NotebookWindow } from './notebook-window.ts';

/** The i-th runnable block of a page: its figure, its run state and status line, its pane's text. */
export function runnableBlock(page: Page, i: number) {
  const figure = page.locator('figure[data-run-command]').nth(i);
  return {
    figure,
    state: () => figure.getAttribute('data-run-state'),
    status: () => figure.locator('.rdn-run-status').innerText(),
    text: () => page.evaluate((n) => (window as NotebookWindow).rdnNotebook.blocks[n]!.text, i),
  };
}
