import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/security/password.ts';
import type { Room } from '../../server/workshop/room.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { Person, siteWithManifest } from '../support/workshop.ts';

const CLASS_PASSWORD = 'class-password-7';
const INSTRUCTOR_PASSWORD = 'teacher-password-9';

const MANIFEST = {
  version: 1,
  pages: { images: { title: 'Images', blocks: ['/images#0'], checks: { 'has-image': { script: 'exit 1', hint: 'Build the image first.' } } } },
};

describe("the instructor's room", () => {
  let app: AppServer;
  let teacher: Person;
  let ada: Person;
  let bob: Person;
  let cy: Person;
  const site = siteWithManifest(MANIFEST);

  beforeAll(async () => {
    await requireEngine();
    app = await startAppServer({
      NOTES_PASSWORD_HASH: hashPassword(CLASS_PASSWORD),
      INSTRUCTOR_PASSWORD_HASH: hashPassword(INSTRUCTOR_PASSWORD),
      SITE_DIR: site.dir,
      WARM_POOL_MAX: '1',
    });
    teacher = await Person.login(app, INSTRUCTOR_PASSWORD, 'teacher');
    ada = await Person.login(app, CLASS_PASSWORD, 'ada');
    bob = await Person.login(app, CLASS_PASSWORD, 'bob');
    cy = await Person.login(app, CLASS_PASSWORD, 'cy');
    for (const p of [teacher, cy, bob, ada]) await p.request('GET', '/api/workshop/me');
  });

  afterAll(async () => {
    await app?.close();
    site.remove();
  });

  const order = async () => ((await teacher.request('GET', '/api/instructor/room')).body.attendees as Array<{ user: string }>).map((a) => a.user);

  it('puts those asking for help first, then those whose last step failed, then the rest', async () => {
    const cySession = await cy.session();
    await cy.run(cySession, 'true', '/images#0');
    const bobSession = await bob.session();
    await bob.run(bobSession, 'exit 2', '/images#0');
    expect((await ada.request('POST', '/api/workshop/help', { help: true })).status).toBe(204);
    await expect.poll(order).toEqual(['ada', 'bob', 'cy']);
    const room = (await teacher.request('GET', '/api/instructor/room')).body;
    const b = room.attendees.find((a: { user: string }) => a.user === 'bob');
    expect(b.lastFailure).toMatchObject({ command: 'exit 2', exitCode: 2, page: 'images', block: '/images#0' });
    expect(b).toMatchObject({ sessionId: bobSession, currentBlock: '/images#0', help: false });
    expect(b.runs[0]).toMatchObject({ block: '/images#0', kind: 'block', status: 'exited', exitCode: 2 });
    expect(room.attendees[0]).toMatchObject({ user: 'ada', help: true });
  });

  it('a failed check counts as a failure in the room', async () => {
    const cySession = await cy.session();
    const r = await cy.request('POST', `/api/sessions/${cySession}/checks`, { page: 'images', check: 'has-image' });
    expect(r.body).toEqual({ passed: false, hint: 'Build the image first.' });
    const room = (await teacher.request('GET', '/api/instructor/room')).body;
    expect(room.attendees.find((a: { user: string }) => a.user === 'cy').lastFailure).toMatchObject({ command: 'check has-image', page: 'images' });
  });

  it("the room feed sends the room when an attendee's run ends", async () => {
    const feed = teacher.events('/api/instructor/events');
    expect(await feed.opened).toBe(200);
    await feed.next('room');
    const from = feed.events.length;
    const session = await bob.session();
    const run = await bob.run(session, 'echo fixed', '/images#0');
    const room = await feed.next(
      'room',
      (r) => r.attendees.some((a) => a.user === 'bob' && a.runs.some((x) => x.id === run.id && x.status === 'exited')),
      from,
    );
    expect(room.attendees.find((a) => a.user === 'bob')?.pages.images?.blocks['/images#0']).toMatchObject({ status: 'exited', exitCode: 0 });
    feed.close();
  });

  it("a message reaches every attendee's feed and is there for a page opened later", async () => {
    const feeds = [ada.events('/api/workshop/events'), bob.events('/api/workshop/events')];
    for (const f of feeds) expect(await f.opened).toBe(200);
    const sent = await teacher.request('POST', '/api/instructor/message', { text: 'Break until 11:00' });
    expect(sent.status).toBe(200);
    for (const f of feeds) expect(await f.next('message')).toEqual({ id: sent.body.id, text: 'Break until 11:00', at: sent.body.at });
    expect((await cy.request('GET', '/api/workshop/me')).body.message).toMatchObject({ text: 'Break until 11:00' });
    for (const f of feeds) f.close();
  });

  it('restart gives the attendee a new sandbox and tells them; extend moves their end time; end closes their session', async () => {
    const feed = ada.events('/api/workshop/events');
    expect(await feed.opened).toBe(200);
    const session = await ada.session();
    expect((await ada.run(session, 'touch /workspace/left-behind', '/images#0')).exitCode).toBe(0);

    expect((await teacher.request('POST', '/api/instructor/attendees/ada/restart')).status).toBe(204);
    await feed.next('sandbox-restarted');
    const after = await ada.run(session, 'test -e /workspace/left-behind', '/images#0');
    expect(after.exitCode, 'the file of the old sandbox is gone').toBe(1);

    const extended = await teacher.request('POST', '/api/instructor/attendees/ada/extend', { minutes: 5 });
    expect(extended.status).toBe(200);
    expect(extended.body.endsAt).toBeGreaterThan(Date.now() + 4 * 60_000);
    expect(await feed.next('time')).toEqual({ endsAt: extended.body.endsAt });
    expect((await ada.request('GET', '/api/workshop/me')).body.endsAt).toBe(extended.body.endsAt);

    expect((await teacher.request('POST', '/api/instructor/attendees/ada/end')).status).toBe(204);
    expect((await feed.next('session-ended')).reason).toContain('instructor');
    expect((await ada.request('GET', '/api/sessions/current')).body).toEqual({ id: null });
    feed.close();
  });

  it('a time limit ends the session when it comes, and no new one starts until the instructor extends it', async () => {
    const feed = bob.events('/api/workshop/events');
    expect(await feed.opened).toBe(200);
    await bob.session();
    // 0.05 minutes: three seconds.
    const settings = await teacher.request('POST', '/api/instructor/settings', { timeLimitMinutes: 0.05 });
    expect(settings.body).toMatchObject({ timeLimitMinutes: 0.05 });
    expect((await feed.next('time', (t) => t.endsAt !== null)).endsAt).toBeGreaterThan(Date.now() - 5000);
    expect((await feed.next('session-ended')).reason).toContain('time is up');
    expect((await bob.request('GET', '/api/sessions/current')).body).toEqual({ id: null });
    const refused = await bob.request('POST', '/api/sessions');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain('Ask the instructor for more time');
    expect((await bob.request('POST', '/api/workshop/more-time')).status).toBe(204);
    const asking = ((await teacher.request('GET', '/api/instructor/room')).body as Room).attendees.find((a) => a.user === 'bob');
    expect(asking?.moreTime).toBe(true);
    await teacher.request('POST', '/api/instructor/settings', { timeLimitMinutes: null });
    expect((await bob.request('POST', '/api/sessions')).status, 'with no time limit, a session starts again').toBe(201);
    feed.close();
  });

  it('the class size grows the warm pool within WARM_POOL_MAX, and health shows how many are ready', async () => {
    const set = await teacher.request('POST', '/api/instructor/settings', { classSize: 30 });
    expect(set).toEqual({ status: 200, body: { classSize: 30, timeLimitMinutes: null } });
    const health = async () => (await teacher.request('GET', '/api/health')).body.pool;
    expect((await health()).size, 'a class of 30 on a host that allows 1 ready sandbox').toBe(1);
    await expect.poll(async () => (await health()).ready, { timeout: 120_000 }).toBe(1);
    expect((await teacher.request('GET', '/api/instructor/room')).body).toMatchObject({ classSize: 30, poolReady: 1 });
  });
});
