import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/security/password.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { Person, loginForm } from '../support/workshop.ts';

const CLASS_PASSWORD = 'class-password-7';
const INSTRUCTOR_PASSWORD = 'teacher-password-9';

describe('workshop names: any script, one person whatever the letter case or Unicode form', () => {
  let app: AppServer;
  let teacher: Person;

  beforeAll(async () => {
    await requireEngine();
    app = await startAppServer({ NOTES_PASSWORD_HASH: hashPassword(CLASS_PASSWORD), INSTRUCTOR_PASSWORD_HASH: hashPassword(INSTRUCTOR_PASSWORD) });
    teacher = await Person.login(app, INSTRUCTOR_PASSWORD, 'Teacher');
  });

  afterAll(async () => {
    await app?.close();
  });

  const me = async (p: Person) => (await p.request('GET', '/api/workshop/me')).body as { user: string; role: string };

  it("an attendee cannot take an instructor's name in another letter case or form", async () => {
    for (const name of ['teacher', 'TEACHER', 'ｔｅａｃｈｅｒ', 'Tea\u200Dcher']) {
      const r = await loginForm(app, CLASS_PASSWORD, name);
      expect({ name, status: r.status }).toEqual({ name, status: 409 });
      expect(r.body).toContain('is an instructor of this workshop');
      expect(r.headers['set-cookie'], 'a refused login gets no cookie').toBeUndefined();
    }
    // Nor the other way round: an attendee's name, typed by an instructor in capitals.
    await Person.login(app, CLASS_PASSWORD, 'Bob');
    const asBob = await loginForm(app, INSTRUCTOR_PASSWORD, 'BOB');
    expect(asBob.status).toBe(409);
    expect(asBob.body).toContain('is an attendee of this workshop');
  });

  it("a name with a character that does not show is refused, so it cannot pass for an instructor's", async () => {
    for (const name of ['Teacher\uFE0F', 'Tea\u034Fcher', 'Te\u180Bacher', 'Teacher\u3164']) {
      for (const password of [CLASS_PASSWORD, INSTRUCTOR_PASSWORD]) {
        const r = await loginForm(app, password, name);
        expect({ name, status: r.status }).toEqual({ name, status: 400 });
        expect(r.body).toContain('does not show');
        expect(r.headers['set-cookie'], 'a refused login gets no cookie').toBeUndefined();
      }
    }
  });

  it('the instructor signs in again in any letter case as the name first typed', async () => {
    const again = await Person.login(app, INSTRUCTOR_PASSWORD, 'TEACHER');
    expect(await me(again)).toMatchObject({ user: 'Teacher', role: 'instructor' });
    expect(await me(teacher)).toMatchObject({ user: 'Teacher', role: 'instructor' });
  });

  it('names in scripts that spell with marks sign in, as they were typed', async () => {
    for (const name of ['प्रिया शर्मा', 'தமிழ்செல்வி', 'สมศักดิ์', 'Nguyễn Văn An']) {
      const p = await Person.login(app, CLASS_PASSWORD, name);
      expect(await me(p)).toMatchObject({ user: name, role: 'attendee' });
    }
  });

  it('one attendee whatever the case or the accents typed apart: one row in the room, one help flag', async () => {
    const first = await Person.login(app, CLASS_PASSWORD, 'Jose\u0301 Ada');
    const second = await Person.login(app, CLASS_PASSWORD, 'JOSÉ ADA');
    const third = await Person.login(app, CLASS_PASSWORD, 'josé ada');
    for (const p of [first, second, third]) expect(await me(p)).toMatchObject({ user: 'José Ada', role: 'attendee' });
    expect((await second.request('POST', '/api/workshop/help', { help: true })).status).toBe(204);
    expect(await me(third), 'help asked under another spelling').toMatchObject({ help: true });
    expect((await second.request('POST', '/api/workshop/help', { help: false })).status).toBe(204);
    const room = await teacher.request('GET', '/api/instructor/room');
    const users = (room.body.attendees as Array<{ user: string }>).map((a) => a.user);
    expect(users.filter((u) => u.normalize('NFKC').toLowerCase() === 'josé ada')).toEqual(['José Ada']);
    expect(users).toEqual(expect.arrayContaining(['Bob', 'प्रिया शर्मा']));
    expect(users).not.toContain('Teacher');
  });
});
