import type { Notebook } from '../notebook.ts';
import { catchUpBox } from './catch-up.ts';
import { CheckButtons } from './check-buttons.ts';
import { ProgressView } from './progress-view.ts';
import { WorkshopBar } from './workshop-bar.ts';
import { workshopFeed } from './workshop-feed.ts';
import { getProgress, pageSlug, workshopMe } from './workshop-api.ts';

/**
 * The attendee's side of workshop mode on a page: only when the server says it runs a workshop
 * (GET /api/workshop/me answers); otherwise nothing of it shows. Live changes (message, time,
 * help, sandbox restarted, session ended) come from the server's event feed, not from polling.
 */
export async function bootWorkshop(main: HTMLElement, notebook: Notebook): Promise<void> {
  const me = await workshopMe();
  if (!me) return;
  document.body.dataset.workshop = me.role;
  const slug = main.dataset.page ?? pageSlug();
  const bar = new WorkshopBar(me);
  const top = document.createElement('div');
  top.className = 'rdn-workshop-page';
  top.dataset.pagefindIgnore = '';
  // The local single user (no login) has no class around them: checks and progress, no help or time strip.
  bar.element.hidden = me.user === 'local' && me.endsAt === null && !me.message;
  main.querySelector('h1')?.after(bar.element, top);
  const checks = new CheckButtons(main, slug, () => void refresh());
  const view = new ProgressView(
    top,
    slug,
    notebook.blocks.map((b) => ({ key: b.key, exit: b.expectedExit })),
    checks.keys,
  );
  let pending: Promise<void> | undefined;
  async function refresh(): Promise<void> {
    pending ??= getProgress()
      .then((p) => {
        view.show(p);
        checks.show(p, slug);
      })
      .catch(() => undefined)
      .finally(() => (pending = undefined));
    return pending;
  }
  if (main.dataset.catchUp !== undefined) catchUpBox(top, slug, () => void refresh());
  document.addEventListener('rdn:run-ended', () => void refresh());
  await refresh();

  const events = workshopFeed();
  const data = (e: MessageEvent<string>) => JSON.parse(e.data) as Record<string, unknown>;
  events.on('message', (e) => bar.message(data(e) as { id: string; text: string; at: number }));
  events.on('time', (e) => bar.setEndsAt((data(e).endsAt as number | null) ?? null));
  events.on('help', (e) => bar.setHelp(data(e).help === true));
  events.on('sandbox-restarted', () => {
    const next = main.dataset.catchUp !== undefined ? ', and "Catch me up" sets it up for this page.' : '.';
    bar.notice(`The instructor restarted your sandbox: it is clean now. Your progress is kept; the next Run makes a new sandbox${next}`);
    void refresh();
  });
  events.on('session-ended', (e) => {
    const reason = data(e).reason;
    bar.notice(`Your session was ended${typeof reason === 'string' && reason ? `: ${reason}` : ' by the instructor'}. Your progress is kept.`);
    document.body.dataset.workshopEnded = 'true';
  });
}
