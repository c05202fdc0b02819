import type { RoomAttendee } from './instructor-api.ts';

/** A page as the room lists it: its slug, title and what it asks (from the build, never a script). */
export interface RoomPage {
  slug: string;
  title: string;
  blocks: number;
  checks: string[];
}

export interface RowActions {
  watch(a: RoomAttendee): void;
  restart(a: RoomAttendee): void;
  extend(a: RoomAttendee): void;
  end(a: RoomAttendee): void;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

export function formatIdle(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** One cell per page the attendee touched: blocks run and checks passed of what the page asks. */
function progressCell(a: RoomAttendee, pages: RoomPage[]): HTMLElement {
  const td = el('td', { className: 'room-progress' });
  for (const p of pages) {
    const mine = a.pages[p.slug];
    if (!mine) continue;
    // Run blocks only: a catch-up (`#catch-up`) is not one of the page's blocks.
    const ran = Object.entries(mine.blocks).filter(([key, b]) => /#\d+$/.test(key) && b.status === 'exited').length;
    const passed = p.checks.filter((c) => mine.checks[c]?.passed).length;
    const failedCheck = p.checks.some((c) => mine.checks[c] && !mine.checks[c]!.passed);
    const text = `${p.title}: ${Math.min(ran, p.blocks)}/${p.blocks}${p.checks.length ? ` · ✓${passed}/${p.checks.length}` : ''}`;
    const span = el('span', {
      className: 'room-page',
      textContent: text,
      title: `${p.title}: ${ran} of ${p.blocks} blocks ran, ${passed} of ${p.checks.length} checks passed`,
    });
    span.dataset.page = p.slug;
    span.dataset.done = String(ran >= p.blocks && passed === p.checks.length);
    span.dataset.failed = String(failedCheck);
    td.append(span);
  }
  if (!td.childElementCount) td.textContent = 'Nothing run yet';
  return td;
}

/** The block key as a reader would name it: the page's title and the block's number. */
function blockName(key: string | undefined, pages: RoomPage[]): string {
  if (!key) return '—';
  const [pathname = '', n = ''] = key.split('#');
  const slug = pathname.replace(/^\/+|\/+$/g, '') || 'index';
  const title = pages.find((p) => p.slug === slug)?.title ?? slug;
  return n === 'catch-up' ? `${title}: catch-up` : `${title}: block ${Number(n) + 1}`;
}

/** Stuck: the last failure is newer than anything that went right since (the server sorts by the same rule). */
function isStuck(a: RoomAttendee): boolean {
  if (!a.lastFailure) return false;
  let lastSuccess = 0;
  for (const p of Object.values(a.pages)) {
    for (const b of Object.values(p.blocks)) if (b.status === 'exited' && (b.exitCode ?? 0) === 0) lastSuccess = Math.max(lastSuccess, b.at);
    for (const c of Object.values(p.checks)) if (c.passed) lastSuccess = Math.max(lastSuccess, c.at);
  }
  return a.lastFailure.at > lastSuccess;
}

/** The room's rows, in the server's order (help first, then stuck, then the longest idle). */
export function renderRows(tbody: HTMLElement, attendees: RoomAttendee[], pages: RoomPage[], actions: RowActions): void {
  tbody.replaceChildren(
    ...attendees.map((a) => {
      const tr = el('tr');
      tr.dataset.user = a.user;
      tr.dataset.help = String(a.help);
      const stuck = isStuck(a);
      tr.dataset.stuck = String(stuck);
      const who = el('td', { className: 'room-user' }, el('strong', { textContent: a.user }));
      if (a.help) who.append(el('span', { className: 'room-flag room-flag-help', textContent: 'asks for help' }));
      if (a.moreTime) who.append(el('span', { className: 'room-flag room-flag-time', textContent: 'asks for more time' }));
      if (a.endsAt) who.append(el('div', { className: 'room-ends', textContent: `time until ${clock(a.endsAt)}` }));
      const failure = el('td', { className: 'room-failure' });
      if (a.lastFailure) {
        const f = a.lastFailure;
        // A failed check is named by its key (no `#`); a block by its page and number.
        const where = f.block.includes('#')
          ? blockName(f.block, pages)
          : `${pages.find((p) => p.slug === f.page)?.title ?? f.page}: check ${f.block}`;
        failure.append(
          el('code', { textContent: f.command.split('\n')[0]!.slice(0, 80) }),
          el('div', { textContent: `exit ${f.exitCode} at ${clock(f.at)} · ${where}` }),
        );
      } else failure.textContent = '—';
      const buttons = el('td', { className: 'room-actions' });
      const button = (text: string, title: string, fn: () => void, disabled = false) => {
        const b = el('button', { type: 'button', textContent: text, title, disabled });
        b.dataset.action = text;
        b.addEventListener('click', fn);
        buttons.append(b);
      };
      button('Watch', "Open the attendee's latest run, live (read-only unless they asked for help)", () => actions.watch(a), a.runs.length === 0);
      button('Restart sandbox', 'Remove their sandbox; their next Run makes a clean one (progress is kept)', () => actions.restart(a));
      button('+10 min', 'Give them ten more minutes', () => actions.extend(a));
      button('End session', 'End their session now', () => actions.end(a));
      tr.append(
        who,
        progressCell(a, pages),
        el('td', { className: 'room-block', textContent: blockName(a.currentBlock, pages) }),
        failure,
        el('td', { className: 'room-idle', textContent: formatIdle(a.idleMs) }),
        buttons,
      );
      return tr;
    }),
  );
}
