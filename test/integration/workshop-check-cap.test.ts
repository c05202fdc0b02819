import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { siteWithManifest } from '../support/workshop.ts';

// Checks that take a moment, so the requests sent together all arrive while the first still runs.
const MANIFEST = {
  version: 1,
  pages: {
    images: {
      title: 'Images',
      blocks: ['/images#0'],
      checks: {
        slow: { script: 'sleep 3; true', showOutput: false },
        'slow-fail': { script: 'sleep 3; exit 1', hint: 'Not yet.', showOutput: false },
        quick: { script: 'true', showOutput: false },
      },
    },
  },
};

const BUSY = /a check is already running for this session/i;

describe('checks: one at a time per session', () => {
  let app: AppServer;
  let a: string;
  let b: string;
  const site = siteWithManifest(MANIFEST);

  beforeAll(async () => {
    await requireEngine();
    app = await startAppServer({ SITE_DIR: site.dir });
    a = await app.api.createSession();
    b = await app.api.createSession();
    // Each session's sandbox is made by its first check; made here, every timing below is the check's own.
    for (const s of [a, b]) expect((await check(s, 'quick')).status).toBe(200);
  });

  afterAll(async () => {
    await app?.close();
    site.remove();
  });

  const check = (session: string, key: string, page: unknown = 'images') =>
    app.api.request('POST', `/api/sessions/${session}/checks`, { page, check: key });

  it('checks sent together in one session: one runs, the others get 429 saying one is running; another session is not held up', async () => {
    const answers = await Promise.all([check(a, 'slow'), check(a, 'slow'), check(a, 'quick'), check(b, 'slow')]);
    const inA = answers.slice(0, 3);
    expect(
      inA.filter((r) => r.status === 200),
      JSON.stringify(inA),
    ).toHaveLength(1);
    const refused = inA.filter((r) => r.status === 429);
    expect(refused, JSON.stringify(inA)).toHaveLength(2);
    for (const r of refused) expect(r.body.error).toMatch(BUSY);
    expect(answers[3], 'a check in another session at the same time').toEqual({ status: 200, body: { passed: true } });
    // The check that ran has answered: the session takes the next one.
    expect(await check(a, 'quick')).toEqual({ status: 200, body: { passed: true } });
  });

  it('a check that does not pass gives the place back too', async () => {
    const answers = await Promise.all([check(a, 'slow-fail'), check(a, 'slow-fail')]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 429]);
    expect(answers.find((r) => r.status === 200)?.body).toEqual({ passed: false, hint: 'Not yet.' });
    expect(await check(a, 'quick')).toEqual({ status: 200, body: { passed: true } });
  });

  it('a request refused for what it asks (an unknown check, a bad page) gets its own answer, and neither takes the place nor gives it back', async () => {
    const [first, unknown, badPage, second] = await Promise.all([check(a, 'slow'), check(a, 'nope'), check(a, 'quick', 42), check(a, 'slow')]);
    expect(unknown.status).toBe(404);
    expect(badPage.status).toBe(400);
    expect([first.status, second.status].sort(), JSON.stringify([first, second])).toEqual([200, 429]);
    expect(await check(a, 'quick')).toEqual({ status: 200, body: { passed: true } });
  });
});
