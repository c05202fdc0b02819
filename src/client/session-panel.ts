import { CLOSE, type Inventory, type SessionMessage } from '../../server/protocol.ts';
import type { Notebook } from './notebook.ts';
import { backoffMs, retry } from './retry.ts';
import { ApiError, existingSession, sessionEventsUrl, signedOut } from './session-client.ts';
import { BLOCK_ATTRIBUTES as A } from '../code-blocks/block-attributes.ts';

/** What the panel says once its session is gone for good. */
export const SESSION_ENDED =
  'This session ended (restarted in another tab, or the server restarted), and its sandbox with it. Run a block to start a new one.';

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};

/** `-p 4000:80` / `--publish 4000:80` in a command: the sandbox ports it publishes. */
function publishedPorts(command: string): number[] {
  return [...command.matchAll(/(?:-p|--publish)[ =](?:[\d.]+:)?(\d+):\d+/g)].map((m) => Number(m[1]));
}

/**
 * The session panel: what the session's engine holds (containers with state and published
 * ports, images, networks, volumes), kept live from the server's feed, which follows the
 * engine's own events. Published ports become links (served through the notes server), under
 * the panel and under the block that published them; names and ids feed the placeholders'
 * suggestions.
 */
export class SessionPanel {
  readonly #root: HTMLElement;
  readonly #body: HTMLElement;
  readonly #notebook: Notebook;
  #sessionId: string | undefined;
  #ws: WebSocket | undefined;
  /** Cancels the retry in progress (looking for the session, or waiting to reconnect). */
  #retry: AbortController | undefined;
  /** Feeds in a row that closed before saying anything: each waits longer before the next. */
  #failures = 0;

  constructor(notebook: Notebook) {
    this.#notebook = notebook;
    this.#root = document.querySelector('.session-panel') as HTMLElement;
    this.#body = this.#root.querySelector('.session-panel-body') as HTMLElement;
    // Opening and closing the panel is wired by SessionPanel.astro itself, so a click before this
    // (lazily loaded) code arrives is not lost.
    document.addEventListener('rdn:session-restarted', () => {
      this.#disconnect();
      this.#sessionId = undefined;
      this.#message('Session restarted. Run a block to start a new sandbox.');
    });
    this.#message('No sandbox yet: run a block and its containers show here.');
    document.addEventListener('rdn:auth', (e) => {
      const id = this.#sessionId;
      if (!(e as CustomEvent<{ signedOut: boolean }>).detail.signedOut && id && this.#ws?.readyState !== WebSocket.OPEN) this.connect(id);
    });
  }

  /** Connects once the page has a session (its first Run makes it a moment later). */
  connectSoon(): void {
    if (this.#sessionId) return;
    const signal = this.#newRetry();
    void retry(() => existingSession().catch(() => undefined), { firstMs: 250, maxMs: 2000, tries: 12, signal }).then((id) => {
      if (id && !signal.aborted) this.connect(id);
    });
  }

  connect(sessionId: string): void {
    this.#disconnect();
    this.#sessionId = sessionId;
    const ws = new WebSocket(sessionEventsUrl(sessionId));
    this.#ws = ws;
    ws.onmessage = (ev) => {
      this.#failures = 0;
      const m = JSON.parse(ev.data as string) as SessionMessage;
      if (m.type === 'inventory') this.#render(m.inventory);
      else if (m.type === 'no-sandbox') this.#message(m.message);
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      // The session ended (restarted elsewhere, logged out, reaped): say so now, and still ask the
      // server, which tells a new session of this browser's, or that the browser is signed out.
      if (ev.code === CLOSE.sessionClosed) this.#ended();
      this.#reconnect();
    };
  }

  /**
   * After the feed closed, asks the server whether this browser's session is still this one:
   * then reconnects; a new one (made in another tab): follows it; none: says the session ended.
   * Only HTTP looks, no sockets, each after a wait that grows (also across feeds that keep closing
   * at once), and a bounded number of them. It stops at the first definite answer: a session to
   * follow, or a lost sign-in (a refused socket shows only as a close), which then waits for the
   * reader (`rdn:auth`). "No session" is not definite: a server that is shutting down says so too.
   */
  #reconnect(): void {
    const signal = this.#newRetry();
    let answered = false;
    const look = async (n: number): Promise<{ current: string } | 'signed-out' | undefined> => {
      if (n === 0) return undefined; // the first wait comes before the first look
      // The page already knows (another call met the 401): a look would only be one more refusal.
      if (signedOut()) return 'signed-out';
      let current: string | undefined;
      try {
        current = await existingSession();
      } catch (err) {
        return err instanceof ApiError && err.status === 401 ? 'signed-out' : undefined;
      }
      answered = true;
      if (current !== undefined) return { current };
      // No session: it ended. Still look a while longer: a server that is shutting down answers
      // so too, and only the next one can say that this browser is signed out.
      this.#ended();
      return undefined;
    };
    const firstMs = backoffMs(this.#failures++, { firstMs: 1000, maxMs: 8000 });
    void retry(look, { firstMs, maxMs: 10_000, tries: 8, signal }).then((answer) => {
      if (signal.aborted) return;
      if (answer === undefined && !answered) this.#message('The notes server does not answer. Reload the page once it is back.');
      if (typeof answer === 'object') this.connect(answer.current);
    });
  }

  #ended(): void {
    this.#sessionId = undefined;
    this.#message(SESSION_ENDED);
  }

  /** Closes the feed and stops any retry, so neither reconnects behind the next one. */
  #disconnect(): void {
    this.#retry?.abort();
    this.#retry = undefined;
    const ws = this.#ws;
    this.#ws = undefined;
    ws?.close();
  }

  #newRetry(): AbortSignal {
    this.#retry?.abort();
    this.#retry = new AbortController();
    return this.#retry.signal;
  }

  #message(text: string): void {
    this.#body.replaceChildren(el('p', text, 'session-panel-note'));
  }

  #portLink(port: number): HTMLAnchorElement {
    const a = el('a', `port ${port}`, 'rdn-port-link');
    a.href = `/ports/${this.#sessionId}/${port}/`;
    a.target = '_blank';
    a.rel = 'noopener';
    return a;
  }

  #render(inv: Inventory): void {
    const sections: HTMLElement[] = [];
    const containers = el('section');
    containers.append(el('h3', `Containers (${inv.containers.length})`));
    const list = el('ul');
    for (const c of inv.containers) {
      const li = el('li');
      li.dataset.state = c.state;
      li.append(el('strong', c.name), el('span', ` ${c.image} · ${c.status}`, 'muted'));
      for (const p of c.ports) li.append(' ', this.#portLink(p.hostPort));
      list.append(li);
    }
    containers.append(list);
    sections.push(containers);
    const simple = (title: string, items: string[]) => {
      const s = el('section');
      s.append(el('h3', `${title} (${items.length})`));
      const ul = el('ul');
      for (const i of items) ul.append(el('li', i));
      s.append(ul);
      return s;
    };
    sections.push(
      simple(
        'Images',
        inv.images.map((i) => `${i.repository}:${i.tag} · ${i.id.replace(/^sha256:/, '').slice(0, 12)} · ${i.size}`),
      ),
    );
    sections.push(
      simple(
        'Networks',
        inv.networks.map((n) => `${n.name} (${n.driver})`),
      ),
    );
    sections.push(
      simple(
        'Volumes',
        inv.volumes.map((v) => v.name),
      ),
    );
    this.#body.replaceChildren(...sections);
    this.#suggest(
      'container_id',
      inv.containers.flatMap((c) => [c.name, c.id.slice(0, 12)]),
    );
    this.#suggest(
      'image_id',
      inv.images.flatMap((i) => [i.repository !== '<none>' ? `${i.repository}:${i.tag}` : '', i.id.replace(/^sha256:/, '').slice(0, 12)]),
    );
    this.#linkPortsUnderBlocks(inv);
  }

  #suggest(name: string, values: string[]): void {
    let list = document.getElementById(`rdn-suggest-${name}`) as HTMLDataListElement | null;
    if (!list) {
      list = document.createElement('datalist');
      list.id = `rdn-suggest-${name}`;
      document.body.append(list);
    }
    list.replaceChildren(...[...new Set(values.filter(Boolean))].map((v) => Object.assign(document.createElement('option'), { value: v })));
  }

  /** Under each block whose command publishes a port that a running container holds: its link. */
  #linkPortsUnderBlocks(inv: Inventory): void {
    const live = new Set(inv.containers.filter((c) => c.state === 'running').flatMap((c) => c.ports.map((p) => p.hostPort)));
    for (const b of this.#notebook.blocks) {
      // A block whose run failed did not publish the port: whatever holds it is someone else's.
      const failed = b.el.dataset.runState === 'failed';
      const ports = failed ? [] : publishedPorts(b.el.getAttribute(A.command) ?? '').filter((p) => live.has(p));
      const bar = b.el.querySelector('.rdn-run');
      bar?.querySelectorAll('.rdn-port-link').forEach((a) => {
        a.remove();
      });
      for (const p of ports) bar?.append(this.#portLink(p));
    }
  }
}
