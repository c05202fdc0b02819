import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { projectRoot } from '../../server/config.ts';
import type { Room } from '../../server/workshop/room.ts';
import type { Message } from '../../server/workshop/workshop-db.ts';
import type { AppServer } from './app-server.ts';
import { rawRequest } from './raw-http.ts';
import { fetchJson } from './fetch-json.ts';

/**
 * A copy of the built site with a `workshop.json` of the test's own (what the pages' build writes),
 * so the server's checks and catch-up can be tested before and apart from the pages.
 */
export function siteWithManifest(manifest: unknown): { dir: string; remove(): void } {
  const built = path.join(projectRoot, 'dist');
  if (!fs.existsSync(path.join(built, 'index.html'))) throw new Error('These tests serve a copy of the built site: run `npm run build` first.');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-site-'));
  const dir = path.join(root, 'dist');
  fs.cpSync(built, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'workshop.json'), JSON.stringify(manifest));
  return { dir, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** A temporary workshop database path that outlives one server (restart tests). */
export function tempDbPath(): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workshop-db-'));
  return { file: path.join(dir, 'workshop.sqlite'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A signed-in browser, as far as the server can tell: its login cookie, from a form login. */
export class Person {
  readonly app: AppServer;
  readonly cookie: string;
  readonly name: string;

  constructor(app: AppServer, cookie: string, name: string) {
    this.app = app;
    this.cookie = cookie;
    this.name = name;
  }

  /** Logs in at /login with the password and a name; fails the test when the login is refused. */
  static async login(app: AppServer, password: string, name: string): Promise<Person> {
    const r = await loginForm(app, password, name);
    if (r.status !== 303) throw new Error(`The login of ${name} answered ${r.status}, expected 303: ${r.body.slice(0, 300)}`);
    const cookie = ((r.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');
    return new Person(app, cookie, name);
  }

  get origin(): string {
    return new URL(this.app.server.url).origin;
  }

  // biome-ignore lint/suspicious/noExplicitAny: a raw answer of any route; each test reads the fields of the one it called
  async request(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
    return fetchJson(`${this.app.server.url}${p}`, method, { Cookie: this.cookie, Origin: this.origin }, body, { redirect: 'manual' });
  }

  async session(): Promise<string> {
    const r = await this.request('POST', '/api/sessions');
    if (r.status !== 201 && r.status !== 200) throw new Error(`POST /api/sessions for ${this.name} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  /** Starts a run with a block key; resolves with its id. */
  async startRun(sessionId: string, command: string, block: string): Promise<string> {
    const r = await this.request('POST', `/api/sessions/${sessionId}/runs`, { command, block });
    if (r.status !== 201) throw new Error(`POST runs for ${this.name} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  /** Waits for a run to end (as the run's info says). */
  async waitRun(runId: string): Promise<{ status: string; exitCode?: number }> {
    for (;;) {
      const r = await this.request('GET', `/api/runs/${runId}`);
      if (r.status !== 200) throw new Error(`GET /api/runs/${runId} answered ${r.status}`);
      if (r.body.status === 'exited' || r.body.status === 'failed') return r.body;
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  async run(sessionId: string, command: string, block: string): Promise<{ id: string; status: string; exitCode?: number }> {
    const id = await this.startRun(sessionId, command, block);
    return { id, ...(await this.waitRun(id)) };
  }

  /** Opens a WebSocket to a run's stream with this person's cookie. */
  stream(runId: string): WebSocket {
    const ws = new WebSocket(`${this.app.server.url.replace(/^http/, 'ws')}/api/runs/${runId}/stream?since=0`, {
      headers: { Cookie: this.cookie, Origin: this.origin },
    });
    ws.on('error', () => undefined);
    return ws;
  }

  /** Opens a Server-Sent Events stream and collects its events. */
  events(p: string): EventReader {
    return new EventReader(`${this.app.server.url}${p}`, { Cookie: this.cookie });
  }
}

/** A form login from the test, with a name. */
export function loginForm(app: AppServer, password: string, name: string) {
  const host = new URL(app.server.url).host;
  return rawRequest(app.server.url, {
    method: 'POST',
    path: '/login',
    headers: { Origin: `http://${host}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `password=${encodeURIComponent(password)}&name=${encodeURIComponent(name)}`,
  });
}

/** The data of each event the workshop's feeds send (the attendee's and the instructor's room feed). */
export interface FeedEvents {
  room: Room;
  message: Message;
  help: { help: boolean };
  time: { endsAt: number | null };
  'session-ended': { reason: string };
  'sandbox-restarted': Record<string, never>;
}

/** The events of an SSE stream as they come, parsed; `next` waits for one that matches. */
export class EventReader {
  readonly events: Array<{ event: string; data: unknown }> = [];
  readonly #controller = new AbortController();
  readonly #waiters = new Set<() => void>();
  readonly opened: Promise<number>;

  constructor(url: string, headers: Record<string, string>) {
    this.opened = (async () => {
      const res = await fetch(url, { headers, signal: this.#controller.signal });
      if (res.status !== 200 || !res.body) return res.status;
      void this.#read(res.body);
      return 200;
    })();
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) {
            this.events.push({ event, data: JSON.parse(data) });
            for (const w of this.#waiters) w();
          }
        }
      }
    } catch {
      // aborted
    }
  }

  /** Resolves with the first event (from `from` on) of that name for which `match` holds. */
  next<E extends keyof FeedEvents>(
    event: E,
    match: (data: FeedEvents[E]) => boolean = () => true,
    from = 0,
    timeoutMs = 30_000,
  ): Promise<FeedEvents[E]> {
    return new Promise((resolve, reject) => {
      const look = () => {
        // The server names each event after its data's type (FeedEvents), so the name says what the data is.
        const found = this.events.slice(from).find((e) => e.event === event && match(e.data as FeedEvents[E]));
        if (!found) return false;
        this.#waiters.delete(look);
        clearTimeout(timer);
        resolve(found.data as FeedEvents[E]);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(look);
        reject(new Error(`No "${event}" event that matched within ${timeoutMs} ms; saw: ${JSON.stringify(this.events).slice(-1500)}`));
      }, timeoutMs);
      if (!look()) this.#waiters.add(look);
    });
  }

  close(): void {
    this.#controller.abort();
  }
}
