import { startCatchUp } from './workshop-api.ts';

/**
 * "Catch me up" on a page that declares what the previous pages leave behind: the server runs
 * that script in the reader's sandbox as an ordinary run, streamed into a pane here.
 */
export function catchUpBox(host: HTMLElement, slug: string, onDone: () => void): void {
  const box = document.createElement('div');
  box.className = 'rdn-catch-up';
  const button = Object.assign(document.createElement('button'), { type: 'button', className: 'rdn-catch-up-button', textContent: 'Catch me up' });
  const status = Object.assign(document.createElement('span'), {
    className: 'rdn-catch-up-status',
    textContent: 'Arrived late, or your sandbox was reset? This sets it up as the earlier pages leave it.',
  });
  status.setAttribute('role', 'status');
  // Its own class: `.rdn-pane` is a block's pane, and the page (and its tests) count those.
  const pane = Object.assign(document.createElement('div'), { className: 'rdn-catch-up-pane', hidden: true });
  box.append(button, status, pane);
  host.append(box);
  let view: import('../terminal-view.ts').TerminalView | undefined;
  button.addEventListener('click', async () => {
    button.disabled = true;
    box.dataset.state = 'running';
    status.textContent = 'Catching up…';
    try {
      pane.hidden = false;
      if (!view) {
        const { TerminalView } = await import('../terminal-view.ts');
        view = new TerminalView(pane, 10);
      }
      const { id } = await startCatchUp(slug);
      const end = await view.attach(id);
      const ok = end.kind === 'exit' && end.exitCode === 0;
      box.dataset.state = ok ? 'ok' : 'failed';
      status.textContent = ok
        ? 'Caught up: your sandbox is ready for this page.'
        : `Catching up did not work (${end.kind === 'exit' ? `exit ${end.exitCode}` : end.message}). Ask for help.`;
    } catch (err) {
      box.dataset.state = 'failed';
      status.textContent = `Could not catch up: ${(err as Error).message}`;
    }
    button.disabled = false;
    onDone();
  });
}
