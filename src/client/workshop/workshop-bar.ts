import { askMoreTime, setHelp, type WorkshopMe } from './workshop-api.ts';

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}) =>
  Object.assign(document.createElement(tag), props);

function formatLeft(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/**
 * The attendee's workshop strip at the top of the page: the instructor's message (a banner),
 * notices (sandbox restarted, session ended), the time left with "Ask for more time", and the
 * "Ask for help" toggle, which lets the instructor type into this attendee's runs.
 */
export class WorkshopBar {
  readonly element: HTMLElement;
  readonly #banner = el('div', { className: 'rdn-ws-banner', hidden: true });
  readonly #notice = el('div', { className: 'rdn-ws-notice', hidden: true });
  readonly #time = el('span', { className: 'rdn-ws-time', hidden: true });
  readonly #moreTime = el('button', { type: 'button', className: 'rdn-ws-more-time', textContent: 'Ask for more time', hidden: true });
  readonly #help = el('button', { type: 'button', className: 'rdn-ws-help', textContent: 'Ask for help' });
  #endsAt: number | null = null;
  #timer: number | undefined;

  constructor(me: WorkshopMe) {
    this.element = el('div', { className: 'rdn-workshop' });
    this.element.dataset.pagefindIgnore = '';
    this.#banner.setAttribute('role', 'status');
    this.#notice.setAttribute('role', 'alert');
    const strip = el('div', { className: 'rdn-ws-strip' });
    strip.append(el('span', { className: 'rdn-ws-user', textContent: `Signed in as ${me.user}` }), this.#time, this.#moreTime, this.#help);
    this.element.append(this.#banner, this.#notice, strip);
    this.#help.addEventListener('click', async () => {
      const want = this.#help.dataset.help !== 'true';
      this.#help.disabled = true;
      try {
        await setHelp(want);
        this.setHelp(want);
      } catch (err) {
        this.notice(`Could not reach the instructor: ${(err as Error).message}`);
      }
      this.#help.disabled = false;
    });
    this.#moreTime.addEventListener('click', async () => {
      this.#moreTime.disabled = true;
      try {
        await askMoreTime();
        this.#moreTime.textContent = 'Asked for more time';
      } catch (err) {
        this.#moreTime.disabled = false;
        this.notice(`Could not ask for more time: ${(err as Error).message}`);
      }
    });
    this.message(me.message);
    this.setHelp(me.help);
    this.setEndsAt(me.endsAt);
  }

  /** The instructor's message to everyone; dismissed ones stay dismissed on this browser. */
  message(m: WorkshopMe['message']): void {
    const dismissed = localStorage.getItem('rdn-ws-dismissed');
    this.#banner.hidden = !m || m.id === dismissed;
    if (!m) return;
    const close = el('button', { type: 'button', className: 'rdn-ws-dismiss', textContent: '×', title: 'Dismiss' });
    close.setAttribute('aria-label', 'Dismiss the message');
    close.addEventListener('click', () => {
      localStorage.setItem('rdn-ws-dismissed', m.id);
      this.#banner.hidden = true;
    });
    this.#banner.dataset.messageId = m.id;
    this.#banner.replaceChildren(
      el('strong', { textContent: 'From the instructor: ' }),
      el('span', { className: 'rdn-ws-message', textContent: m.text }),
      close,
    );
  }

  notice(text: string): void {
    this.#notice.hidden = false;
    this.#notice.textContent = text;
  }

  setHelp(help: boolean): void {
    this.#help.dataset.help = String(help);
    this.#help.textContent = help ? "Thanks, I'm fine" : 'Ask for help';
    this.#help.title = help
      ? 'The instructor sees that you asked and may type into your runs; press when you no longer need help'
      : 'Flags you in the room and lets the instructor type into your runs';
  }

  setEndsAt(endsAt: number | null): void {
    this.#endsAt = endsAt;
    window.clearInterval(this.#timer);
    this.#time.hidden = this.#moreTime.hidden = endsAt === null;
    if (endsAt === null) return;
    this.#moreTime.disabled = false;
    this.#moreTime.textContent = 'Ask for more time';
    const tick = () => {
      const left = this.#endsAt! - Date.now();
      this.#time.dataset.low = String(left < 5 * 60_000);
      this.#time.textContent = left > 0 ? `Time left: ${formatLeft(left)}` : 'Time is up';
      if (left <= 0) window.clearInterval(this.#timer);
    };
    tick();
    this.#timer = window.setInterval(tick, 1000);
  }
}
