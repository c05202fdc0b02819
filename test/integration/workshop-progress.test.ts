import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { siteWithManifest, tempDbPath } from '../support/workshop.ts';

// What the pages' build writes; here a fixture, so the server side is tested on its own.
const MANIFEST = {
  version: 1,
  pages: {
    images: {
      title: 'Images',
      blocks: ['/images#0', '/images#1'],
      checks: {
        'marker-made': { script: 'test -f marker', hint: 'Run the block that makes the marker first.', showOutput: false },
        'quiet-fail': { script: 'echo secret-internals; exit 3', hint: 'Not yet: build the image.', showOutput: false },
        'loud-fail': { script: 'echo visible-output; exit 1', showOutput: true },
      },
      catchUp: 'touch marker && echo caught-up',
    },
    index: { title: 'Home', blocks: ['/#0'], checks: {} },
  },
};

describe('workshop progress: block results, checks and catch-up, kept across a server restart', () => {
  let app: AppServer;
  let session: string;
  const db = tempDbPath();
  const site = siteWithManifest(MANIFEST);
  const env = { WORKSHOP_DB: db.file, SITE_DIR: site.dir };

  beforeAll(async () => {
    await requireEngine();
    app = await startAppServer(env);
    session = await app.api.createSession();
  });

  afterAll(async () => {
    await app?.close();
    db.remove();
    site.remove();
  });

  /** Runs a command as a page's block and follows it to its end. */
  async function runBlock(command: string, block: string) {
    const r = await app.api.request('POST', `/api/sessions/${session}/runs`, { command, block });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return app.api.follow(r.body.id);
  }

  it('records each block run that ends, per page, for GET /api/progress', async () => {
    const before = await app.api.request('GET', '/api/progress');
    expect(before).toEqual({ status: 200, body: { pages: {} } });
    await runBlock('echo one', '/images#0');
    await runBlock('exit 3', '/images#1');
    await runBlock('true', '/#0');
    // The run's end and its record are one step on the server, but the follow may return first.
    await expect.poll(async () => (await app.api.request('GET', '/api/progress')).body.pages.index?.blocks['/#0']?.status).toBe('exited');
    const { body } = await app.api.request('GET', '/api/progress');
    expect(body.pages.images.blocks['/images#0']).toMatchObject({ status: 'exited', exitCode: 0 });
    expect(body.pages.images.blocks['/images#1']).toMatchObject({ status: 'exited', exitCode: 3 });
    expect(typeof body.pages.images.blocks['/images#1'].at).toBe('number');
  });

  it('a run without a block key (a script, the terminal) is not progress', async () => {
    await app.api.run(session, 'true');
    const { body } = await app.api.request('GET', '/api/progress');
    expect(Object.keys(body.pages).sort()).toEqual(['images', 'index']);
  });

  it('a check that fails says "not yet" with its hint and never its output, unless the page shows it', async () => {
    const quiet = await app.api.request('POST', `/api/sessions/${session}/checks`, { page: 'images', check: 'quiet-fail' });
    expect(quiet).toEqual({ status: 200, body: { passed: false, hint: 'Not yet: build the image.' } });
    const loud = await app.api.request('POST', `/api/sessions/${session}/checks`, { page: 'images', check: 'loud-fail' });
    expect(loud.status).toBe(200);
    expect(loud.body.passed).toBe(false);
    expect(loud.body.output).toContain('visible-output');
  });

  it("keeps results only for the site's own blocks: a made-up block key is not stored, on any page", async () => {
    const made = ['/images#99', '/nowhere#0', `/images#${'x'.repeat(150)}`, '/#0/../x#1'];
    for (const block of made) await runBlock('echo made-up', block);
    // A known block after them: once it shows, the made-up ones (ended before it) would have too.
    await runBlock('echo known', '/images#0');
    await expect.poll(async () => (await app.api.request('GET', '/api/progress')).body.pages.images?.blocks['/images#0']?.status).toBe('exited');
    const { body } = await app.api.request('GET', '/api/progress');
    const stored = Object.values(body.pages as Record<string, { blocks: Record<string, unknown> }>).flatMap((p) => Object.keys(p.blocks));
    for (const block of made) expect(stored, `results kept for ${block}`).not.toContain(block);
    expect(Object.keys(body.pages)).not.toContain('nowhere');
  });

  it("catch-up runs the page's setup as a run, after which the check passes", async () => {
    const first = await app.api.request('POST', `/api/sessions/${session}/checks`, { page: 'images', check: 'marker-made' });
    expect(first.body, 'before catching up').toEqual({ passed: false, hint: 'Run the block that makes the marker first.' });
    const started = await app.api.request('POST', `/api/sessions/${session}/catch-up`, { page: 'images' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const seen = await app.api.follow(started.body.id);
    expect(seen.output.toString()).toContain('caught-up');
    const info = await app.api.info(started.body.id);
    expect(info).toMatchObject({ kind: 'block', block: '/images#catch-up', status: 'exited', exitCode: 0 });
    const after = await app.api.request('POST', `/api/sessions/${session}/checks`, { page: 'images', check: 'marker-made' });
    expect(after).toEqual({ status: 200, body: { passed: true } });
    const { body } = await app.api.request('GET', '/api/progress');
    expect(body.pages.images.checks).toMatchObject({
      'marker-made': { passed: true },
      'quiet-fail': { passed: false },
      'loud-fail': { passed: false },
    });
  });

  it('an unknown page or check, or a page without catch-up, is 404 with what is missing', async () => {
    const check = await app.api.request('POST', `/api/sessions/${session}/checks`, { page: 'images', check: 'nope' });
    expect(check.status).toBe(404);
    expect(check.body.error).toContain('no check "nope"');
    const page = await app.api.request('POST', `/api/sessions/${session}/checks`, { page: 'nowhere', check: 'check-0' });
    expect(page.status).toBe(404);
    const catchUp = await app.api.request('POST', `/api/sessions/${session}/catch-up`, { page: 'index' });
    expect(catchUp.status).toBe(404);
    expect(catchUp.body.error).toContain('no catch-up');
  });

  it("the browser never gets /workshop.json (the checks are the author's internals)", async () => {
    const res = await fetch(`${app.server.url}/workshop.json`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('secret-internals');
  });

  it('a server restart on the same state keeps every result', async () => {
    const before = (await app.api.request('GET', '/api/progress')).body;
    await app.close();
    app = await startAppServer(env);
    const after = await app.api.request('GET', '/api/progress');
    expect(after.status).toBe(200);
    expect(after.body, 'progress after the restart').toEqual(before);
    expect(Object.keys(after.body.pages.images.blocks).length).toBeGreaterThanOrEqual(3);
  });
});
