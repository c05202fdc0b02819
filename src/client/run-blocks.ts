/**
 * Wires the Run buttons of the page. Deliberately small: xterm.js and the run pane load only
 * when a block is first run, so the page itself stays light.
 */
type Pane = { run(): Promise<void>; running: boolean };
const panes = new WeakMap<HTMLElement, Pane>();

async function paneFor(block: HTMLElement): Promise<Pane> {
  let pane = panes.get(block);
  if (!pane) {
    const { RunPane } = await import('./run-pane.ts');
    pane = new RunPane(block);
    panes.set(block, pane);
  }
  return pane;
}

export function wireRunButtons(root: ParentNode = document): void {
  for (const block of root.querySelectorAll<HTMLElement>('[data-run-command]')) {
    const button = block.querySelector<HTMLButtonElement>('.rdn-run-button');
    button?.addEventListener('click', async () => {
      const pane = await paneFor(block);
      await pane.run();
    });
  }
}
