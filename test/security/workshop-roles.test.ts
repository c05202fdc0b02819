import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../server/protocol.ts';
import { hashPassword } from '../../server/security/password.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { rawRequest } from '../support/raw-http.ts';
import { Person, loginForm } from '../support/workshop.ts';

const CLASS_PASSWORD = 'class-password-7';
const INSTRUCTOR_PASSWORD = 'teacher-password-9';
const PROXY = '127.0.0.9';
const NOT_FOUND = { error: 'No such API endpoint. The README lists the API.' };

/** Every instructor call, as method and path (with a body where it takes one). */
const INSTRUCTOR_CALLS: Array<[string, string, unknown?]> = [
  ['GET', '/api/instructor/room'],
  ['GET', '/api/instructor/events'],
  ['POST', '/api/instructor/attendees/ada/restart'],
  ['POST', '/api/instructor/attendees/ada/extend', { minutes: 5 }],
  ['POST', '/api/instructor/attendees/ada/end'],
  ['POST', '/api/instructor/message', { text: 'hello' }],
  ['POST', '/api/instructor/settings', { classSize: 3 }],
];

const started: AppServer[] = [];
afterAll(async () => {
  for (const app of started) await app.close();
});

async function start(env: Record<string, string>): Promise<AppServer> {
  const app = await startAppServer(env);
  started.push(app);
  return app;
}

/** A request with only the headers given (anonymous unless a cookie or proxy header is passed). */
async function raw(app: AppServer, method: string, path: string, headers: Record<string, string> = {}, body?: unknown, from?: string) {
  const host = new URL(app.server.url).host;
  const r = await rawRequest(app.server.url, {
    method,
    path,
    headers: { Origin: `http://${host}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(from ? { localAddress: from } : {}),
  });
  let parsed: unknown = r.body;
  try {
    parsed = JSON.parse(r.body);
  } catch {
    // a page
  }
  return { status: r.status, body: parsed };
}

/** The first frame of a type on a socket, or the close. */
function nextFrame<T extends ServerMessage['type']>(ws: WebSocket, type: T): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching frame within 30 s')), 30_000);
    ws.on('message', (data: Buffer, binary) => {
      if (binary) return;
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (m.type === type) {
        clearTimeout(timer);
        resolve(m as Extract<ServerMessage, { type: T }>);
      }
    });
  });
}

describe('workshop roles in password mode', () => {
  let app: AppServer;
  let ada: Person;
  let bob: Person;
  let teacher: Person;

  beforeAll(async () => {
    await requireEngine();
    app = await start({ NOTES_PASSWORD_HASH: hashPassword(CLASS_PASSWORD), INSTRUCTOR_PASSWORD_HASH: hashPassword(INSTRUCTOR_PASSWORD) });
    ada = await Person.login(app, CLASS_PASSWORD, 'ada');
    bob = await Person.login(app, CLASS_PASSWORD, 'bob');
    teacher = await Person.login(app, INSTRUCTOR_PASSWORD, 'teacher');
    // Each page asks who it is for on load: that is when the room first sees a person.
    for (const p of [ada, bob, teacher]) await p.request('GET', '/api/workshop/me');
  });

  /** The instructor opens a run over its attendee's shoulder and types a line: what the server answered, and the socket. */
  async function overShoulder(runId: string) {
    const ws = teacher.stream(runId);
    const output: Buffer[] = [];
    ws.on('message', (data: Buffer, binary) => binary && output.push(data));
    await new Promise((r) => ws.once('open', r));
    const readOnly = nextFrame(ws, 'error');
    ws.send(Buffer.from('sneaky\n'), { binary: true });
    return { ws, output, refusal: (await readOnly).message };
  }

  it('the login asks for a name when instructors sign in too, and refuses a login without one', async () => {
    const page = await rawRequest(app.server.url, { path: '/login' });
    expect(page.body).toMatch(/name="name"[^>]*required/);
    // Four in a row: a missing or malformed name is no failed login (the limit allows three a minute).
    for (const name of ['', '   ', '<script>', 'semi;colon']) {
      const r = await loginForm(app, CLASS_PASSWORD, name);
      expect({ name, status: r.status }).toEqual({ name, status: 400 });
      expect(r.body).toMatch(/Type your name|A name may have/);
    }
    expect((await loginForm(app, CLASS_PASSWORD, 'dee')).status, 'not locked out by name mistakes').toBe(303);
  });

  it("an instructor's name cannot be taken by an attendee (nor the other way round), and a second login under a name opens nothing of the first's", async () => {
    const logout = (p: Person) => rawRequest(app.server.url, { method: 'POST', path: '/logout', headers: { Cookie: p.cookie, Origin: p.origin } });
    // The instructor's name as an attendee: the room would list the instructor among the attendees.
    const asTeacher = await loginForm(app, CLASS_PASSWORD, 'teacher');
    expect(asTeacher.status, asTeacher.body.slice(0, 300)).toBe(409);
    expect(asTeacher.body).toMatch(/“teacher” is an instructor of this workshop/);
    expect(asTeacher.headers['set-cookie'], 'a refused login gets no cookie').toBeUndefined();
    expect((await loginForm(app, INSTRUCTOR_PASSWORD, 'bob')).status, "an attendee's name with the instructor password").toBe(409);
    // Known as an instructor's after they signed out too; they sign in again as themself.
    const sam = await Person.login(app, INSTRUCTOR_PASSWORD, 'sam');
    await sam.request('GET', '/api/workshop/me');
    await logout(sam);
    expect((await loginForm(app, CLASS_PASSWORD, 'sam')).status).toBe(409);
    expect((await loginForm(app, INSTRUCTOR_PASSWORD, 'sam')).status).toBe(303);
    // Claimed at sign-in, not at the first request: an instructor who has not opened a page yet.
    expect((await loginForm(app, INSTRUCTOR_PASSWORD, 'tess')).status).toBe(303);
    expect((await loginForm(app, CLASS_PASSWORD, 'tess')).status, "an instructor's name before their first request").toBe(409);

    // A second login as ada (her phone, or someone typing her name) signs in, but its "Ask for help"
    // does not open the runs of ada's own login to the instructor.
    const other = await Person.login(app, CLASS_PASSWORD, 'ada');
    const session = await ada.session();
    const runId = await ada.startRun(session, 'read -r line; echo "got-$line"', '/images#1');
    await expect.poll(async () => (await ada.request('GET', `/api/runs/${runId}`)).body.status).toBe('running');
    expect((await other.request('POST', '/api/workshop/help', { help: true })).status).toBe(204);
    const { ws, output, refusal } = await overShoulder(runId);
    expect(refusal, "help asked by another login of the name opened ada's run").toContain('Read-only');
    // ada herself asks: now the instructor types into her run, and the other login saying it is fine
    // does not take ada's request back.
    expect((await ada.request('POST', '/api/workshop/help', { help: true })).status).toBe(204);
    expect((await other.request('POST', '/api/workshop/help', { help: false })).status).toBe(204);
    const exit = nextFrame(ws, 'exit');
    ws.send(Buffer.from('helped\n'), { binary: true });
    expect(await exit).toMatchObject({ exitCode: 0 });
    expect(Buffer.concat(output).toString()).toContain('got-helped');
    expect(Buffer.concat(output).toString()).not.toContain('got-sneaky');
    expect((await ada.request('POST', '/api/workshop/help', { help: false })).status).toBe(204);
    await logout(other);
  });

  it('an attendee gets 404 for every instructor call, the room page and /workshop.json, exactly like an unknown path', async () => {
    for (const [method, path, body] of INSTRUCTOR_CALLS) {
      const r = await ada.request(method, path, body);
      expect({ call: `${method} ${path}`, ...r }).toEqual({ call: `${method} ${path}`, status: 404, body: NOT_FOUND });
    }
    for (const path of ['/instructor', '/instructor/', '/instructor/index.html', '/workshop.json']) {
      expect({ path, status: (await ada.request('GET', path)).status }).toEqual({ path, status: 404 });
    }
    // The same files by paths the file server resolves to them (sent as written, not as a browser would).
    const aliases = [
      '/%77orkshop.json',
      '/workshop%2Ejson',
      '//workshop.json',
      '/x/../workshop.json',
      '/x/%2e%2e/workshop.json',
      '/./workshop.json',
      '/workshop.json?x=1',
      '/%69nstructor/',
      '//instructor/index.html',
      '/docs/../instructor',
      '/instructor/./index.html',
    ];
    for (const path of aliases) {
      const r = await rawRequest(app.server.url, { path, headers: { Cookie: ada.cookie } });
      expect({ path, status: r.status, leaked: /"pages"|room-/.test(r.body) }).toEqual({ path, status: 404, leaked: false });
    }
    expect((await ada.request('GET', '/api/workshop/me')).body).toMatchObject({ user: 'ada', role: 'attendee' });
  });

  it('an anonymous caller gets the same 404s', async () => {
    for (const [method, path, body] of INSTRUCTOR_CALLS) {
      const r = await raw(app, method, path, {}, body);
      expect({ call: `${method} ${path}`, ...r }).toEqual({ call: `${method} ${path}`, status: 404, body: NOT_FOUND });
    }
    for (const path of ['/instructor', '/workshop.json'])
      expect({ path, status: (await raw(app, 'GET', path)).status }).toEqual({ path, status: 404 });
  });

  it('the instructor password gives the room', async () => {
    expect((await teacher.request('GET', '/api/workshop/me')).body).toMatchObject({ user: 'teacher', role: 'instructor' });
    const room = await teacher.request('GET', '/api/instructor/room');
    expect(room.status).toBe(200);
    const users = room.body.attendees.map((a: { user: string }) => a.user);
    expect(users).toEqual(expect.arrayContaining(['ada', 'bob']));
    expect(users, 'the instructor is not an attendee').not.toContain('teacher');
    expect(room.body).toMatchObject({ classSize: expect.any(Number), poolReady: expect.any(Number) });
  });

  it('an attendee sees only their own progress and runs', async () => {
    const session = await ada.session();
    // A block of the site's own (results are kept only for those).
    await ada.run(session, 'echo mine', '/creating-an-image#0');
    await expect.poll(async () => Object.keys((await ada.request('GET', '/api/progress')).body.pages)).toEqual(['creating-an-image']);
    expect((await bob.request('GET', '/api/progress')).body, "bob sees none of ada's progress").toEqual({ pages: {} });
    expect((await bob.request('POST', `/api/sessions/${session}/checks`, { page: 'images', check: 'check-0' })).status).toBe(404);
    expect((await bob.request('POST', `/api/sessions/${session}/catch-up`, { page: 'images' })).status).toBe(404);
  });

  it('looking over a shoulder: read-only without help, typing with help, never for another attendee', async () => {
    const session = await ada.session();
    const runId = await ada.startRun(session, 'read -r line; echo "got-$line"', '/images#1');
    await expect.poll(async () => (await ada.request('GET', `/api/runs/${runId}`)).body.status).toBe('running');

    const refused = await new Promise<number>((resolve) => {
      const ws = bob.stream(runId);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused, "another attendee opening ada's run").toBe(404);

    const { ws, output, refusal } = await overShoulder(runId);
    expect(refusal).toContain('Read-only');
    const resize = nextFrame(ws, 'error');
    ws.send(JSON.stringify({ type: 'resize', cols: 100, rows: 30 }));
    expect((await resize).message).toContain('size');

    expect((await ada.request('POST', '/api/workshop/help', { help: true })).status).toBe(204);
    const exit = nextFrame(ws, 'exit');
    ws.send(Buffer.from('helped\n'), { binary: true });
    expect(await exit).toMatchObject({ exitCode: 0 });
    expect(Buffer.concat(output).toString(), "the run took the instructor's line, not the refused one").toContain('got-helped');
    expect(Buffer.concat(output).toString()).not.toContain('got-sneaky');
    expect((await ada.request('POST', '/api/workshop/help', { help: false })).status).toBe(204);
  });

  it('bad bodies get 400 with what is expected, and an unknown attendee 404', async () => {
    const cases: Array<[Person, string, string, unknown, number, string]> = [
      [teacher, 'POST', '/api/instructor/message', { text: 42 }, 400, '"text"'],
      [teacher, 'POST', '/api/instructor/message', { text: 'x'.repeat(501) }, 400, 'at most 500'],
      [teacher, 'POST', '/api/instructor/message', 'not json', 400, 'not valid JSON'],
      // Over the workshop API's own limit: the answer says that limit, not the runs' one.
      [teacher, 'POST', '/api/instructor/message', { text: 'x'.repeat(20 * 1024) }, 413, 'at most 16 KiB'],
      [ada, 'POST', '/api/workshop/help', { help: true, pad: 'x'.repeat(20 * 1024) }, 413, 'at most 16 KiB'],
      [teacher, 'POST', '/api/instructor/attendees/ada/extend', { minutes: 'ten' }, 400, '"minutes"'],
      [teacher, 'POST', '/api/instructor/settings', { classSize: -1 }, 400, '"classSize"'],
      [teacher, 'POST', '/api/instructor/settings', { timeLimitMinutes: 'soon' }, 400, '"timeLimitMinutes"'],
      [teacher, 'POST', '/api/instructor/attendees/nobody/restart', undefined, 404, 'No attendee is named "nobody"'],
      [teacher, 'POST', '/api/instructor/attendees/teacher/end', undefined, 404, 'No attendee'],
      [ada, 'POST', '/api/workshop/help', { help: 'yes' }, 400, '"help"'],
      [ada, 'POST', '/api/sessions/x/checks', { page: 42, check: 'c' }, 404, 'not found'],
    ];
    for (const [who, method, path, body, status, says] of cases) {
      const r = await who.request(method, path, body);
      expect({ call: `${method} ${path} ${JSON.stringify(body)?.slice(0, 40)}`, status: r.status }).toEqual({
        call: `${method} ${path} ${JSON.stringify(body)?.slice(0, 40)}`,
        status,
      });
      expect(r.body.error).toContain(says);
    }
    const session = await ada.session();
    const wrong = await ada.request('POST', `/api/sessions/${session}/checks`, { page: 42, check: 'c' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toContain('"page"');
    const huge = await ada.request('POST', `/api/sessions/${session}/checks`, { page: 'images', check: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
  });
});

describe('workshop roles behind a signing-in proxy', () => {
  let app: AppServer;
  beforeAll(async () => {
    await requireEngine();
    app = await start({ TRUSTED_PROXY_HEADER: 'X-Forwarded-User', TRUSTED_PROXIES: PROXY, TRUSTED_PROXY_INSTRUCTORS: 'teacher,helper' });
  });

  it('a user that TRUSTED_PROXY_INSTRUCTORS names gets the room; others get 404', async () => {
    await raw(app, 'GET', '/api/progress', { 'X-Forwarded-User': 'student' }, undefined, PROXY);
    const room = await raw(app, 'GET', '/api/instructor/room', { 'X-Forwarded-User': 'teacher' }, undefined, PROXY);
    expect(room.status).toBe(200);
    expect((room.body as { attendees: Array<{ user: string }> }).attendees.map((a) => a.user)).toContain('student');
    expect(await raw(app, 'GET', '/api/instructor/room', { 'X-Forwarded-User': 'student' }, undefined, PROXY)).toEqual({
      status: 404,
      body: NOT_FOUND,
    });
    expect((await raw(app, 'GET', '/instructor', { 'X-Forwarded-User': 'student' }, undefined, PROXY)).status).toBe(404);
    // The header is believed from the proxy only.
    expect((await raw(app, 'GET', '/api/instructor/room', { 'X-Forwarded-User': 'teacher' })).status).toBe(404);
  });
});

describe('the local single user (token) is an attendee', () => {
  it('gets 404 for the room, its page and /workshop.json', async () => {
    await requireEngine();
    const app = await start({});
    expect(await app.api.request('GET', '/api/instructor/room')).toEqual({ status: 404, body: NOT_FOUND });
    expect((await app.api.request('GET', '/api/workshop/me')).body).toMatchObject({ user: 'local', role: 'attendee' });
    expect((await fetch(`${app.server.url}/instructor`)).status).toBe(404);
    expect((await fetch(`${app.server.url}/workshop.json`)).status).toBe(404);
  });
});
