import { fetchRetrying } from './fetch-retrying.ts';
import { Notebook } from './notebook.ts';

/** Does the notes server answer here? A static host answers 404 (or HTML) instead. */
async function serverAnswers(): Promise<boolean> {
  try {
    const res = await fetchRetrying('/api/health', { credentials: 'same-origin' });
    if (!res.ok) return false;
    const body = (await res.json()) as { engine?: unknown };
    return typeof body.engine === 'object';
  } catch {
    return false;
  }
}

/** Boots the page: the notebook, then (lazily) the session panel and the terminal dock. */
export async function bootPage(): Promise<void> {
  const main = document.querySelector<HTMLElement>('main.doc');
  if (!main) return;
  const notebook = new Notebook(main);
  (window as unknown as { rdnNotebook: Notebook }).rdnNotebook = notebook;
  if (!(await serverAnswers())) {
    await notebook.goStatic('No notes server answers here, so blocks cannot run: this is a static copy. Run it yourself with `npm start`.');
    return;
  }
  // In `npm run dev`, the dev server bundles the terminal's code the first time it is asked for and then
  // reloads the page: ask at load, so that reload cannot swallow the reader's first Run.
  if (import.meta.env.DEV) void import('./terminal-view.ts');
  void notebook.loadRecordingsForPrint();
  void import('./registry-note.ts').then((m) => m.showRegistryAccount(main));
  const sessionId = await notebook.restore();
  const { SessionPanel } = await import('./session-panel.ts');
  const panel = new SessionPanel(notebook);
  if (sessionId) panel.connect(sessionId);
  notebook.onRunStarted = () => panel.connectSoon();
  // Workshop mode (checks, progress, the instructor's messages): only when the server runs one.
  void import('./workshop/workshop.ts').then((m) => m.bootWorkshop(main, notebook));
  const { TerminalDock } = await import('./terminal-dock.ts');
  new TerminalDock(() => panel.connectSoon());
}
