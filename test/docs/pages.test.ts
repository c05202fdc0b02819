/**
 * The docs test themselves: every runnable block of every page runs in order, in a fresh session
 * per page, against the real engine (the push flow against the local auth registry). Each block's
 * exit code and `expect` pattern are checked, and its output is recorded into
 * public/recordings/<page>.json, which the static build shows when no server answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';
import type { ServerMessage } from '../../server/protocol.ts';
import { ensureSiteBuilt } from '../../server/site-build.ts';
import { fillPlaceholders } from '../../src/code-blocks/placeholders.ts';
import type { PageRecordings } from '../../src/client/static-fallback.ts';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import type { WorkshopManifest } from '../../src/workshop/workshop-manifest.ts';
import { builtPages, checksOfHtml, plainText, selectedUrls, withRegistryPlaceholder, workshopSlug, type PageBlock } from '../support/docs-blocks.ts';
import { requireEngine } from '../support/engine.ts';
import { authRegistry } from '../support/registry.ts';
import type { StartedServer } from '../support/server.ts';

const siteDir = path.join(projectRoot, 'dist');
await ensureSiteBuilt(siteDir, (l) => console.log(l));
// `npm run docs:test -- docs/runbooks/deploy.mdx docs/other` runs those pages (a folder: every page in it).
const selection = (process.env['DOCS_PAGES'] ?? '').split('\n').filter(Boolean).map((a) => selectedUrls(a, projectRoot));
const pages = builtPages(siteDir).filter((p) => selection.length === 0 || selection.some((s) => (s.folder ? p.url.startsWith(s.url) : p.url === s.url)));
if (selection.length && pages.length === 0) throw new Error(`docs:test found no built page for ${process.env['DOCS_PAGES']}: expected a page or folder under docs/`);
const registry = authRegistry();
/** `$REGISTRY_USER` in a page's test values: the user of the site registry's account. */
const testValue = (v: string) => v.replaceAll('$REGISTRY_USER', registry.user);
/** The build's workshop manifest: each page's checks and catch-up, run here as the server runs them for a reader. */
const manifest = JSON.parse(fs.readFileSync(path.join(siteDir, 'workshop.json'), 'utf8')) as WorkshopManifest;
const recordingsDirs = [path.join(projectRoot, 'public', 'recordings'), path.join(siteDir, 'recordings')];

let app: AppServer | undefined;
let server: StartedServer;
let api: ApiClient;
const counts = { blocks: 0, files: 0, checks: 0 };
const skippedInCi: string[] = [];
let siteRegistry = '';

beforeAll(async () => {
  await requireEngine();
  ({ server, api } = app = await startAppServer());
  // Recordings name the registry as <registry>: the test's own registry host means nothing to a reader.
  siteRegistry = (await api.request('GET', '/api/registry')).body.registry as string;
});

afterAll(async () => {
  console.log(`docs: ran ${counts.blocks} blocks and ${counts.checks} checks and wrote ${counts.files} file blocks on ${pages.length} pages`);
  for (const s of skippedInCi) console.log(`docs: not run (ci=skip): ${s}`);
  await app?.close();
});

/** Runs one block through the public API, typing into it when it is interactive. */
async function runBlock(session: string, block: Extract<PageBlock, { kind: 'run' }>) {
  const values = Object.fromEntries(Object.entries(block.testValues ?? {}).map(([k, v]) => [k, testValue(v)]));
  const { command, missing } = fillPlaceholders(block.command, values);
  if (missing.length) throw new Error(`no test value for placeholder <${missing[0]}>: declare it in the page's frontmatter with a test value`);
  const r = await api.request('POST', `/api/sessions/${session}/runs`, {
    command,
    cols: 120,
    rows: 30,
    ...(block.timeoutSeconds ? { timeoutMs: block.timeoutSeconds * 1000 } : {}),
  });
  if (r.status !== 201) throw new Error(`POST runs answered ${r.status}: ${JSON.stringify(r.body)}`);
  let ready = false;
  let lastOutput = Date.now();
  let answered = 0;
  let exits = 0;
  let timer: NodeJS.Timeout | undefined;
  const seen = await api.follow(r.body.id, 0, (stream, s) => {
    if (s.messages.some((m: ServerMessage) => (m.type === 'phase' && m.phase === 'ready') || (m.type === 'hello' && m.status === 'running'))) ready = true;
    lastOutput = Date.now();
    const tail = plainText(s.output.toString()).slice(-200);
    if (/Password:\s*$/i.test(tail) && answered === 0) {
      answered++;
      stream.stdin(`${registry.password}\r`);
    }
    if (block.interactive && !timer) {
      // A reader types `exit` once the program waits quietly for input.
      timer = setInterval(() => {
        if (ready && Date.now() - lastOutput > 1200 && exits < 3 && stream.open) {
          exits++;
          lastOutput = Date.now();
          stream.stdin('exit\r');
        }
      }, 300);
    }
  });
  clearInterval(timer);
  const end = seen.messages.at(-1);
  const text = plainText(seen.output.toString());
  return { text, exitCode: end?.type === 'exit' ? end.exitCode : undefined, error: end?.type === 'error' ? end.message : undefined };
}

/** Follows a run to its end: its plain output and exit code. */
async function followRun(runId: string) {
  const seen = await api.follow(runId, 0, () => undefined);
  const end = seen.messages.at(-1);
  return { text: plainText(seen.output.toString()), exitCode: end?.type === 'exit' ? end.exitCode : undefined };
}

for (const page of pages) {
  describe(`page ${page.url} (${page.title})`, () => {
    let session: string;
    const slug = workshopSlug(page.url);
    const html = fs.readFileSync(path.join(siteDir, page.url, 'index.html'), 'utf8');
    const checks = checksOfHtml(html);

    it('is in the workshop manifest as the page renders it: its block keys and its checks', () => {
      const entry = manifest.pages[slug];
      expect(entry, `dist/workshop.json has no page "${slug}"; it has ${Object.keys(manifest.pages).join(', ')}`).toBeDefined();
      const pathname = slug === 'index' ? '/' : `/${slug}`;
      const runs = page.blocks.filter((b) => b.kind === 'run');
      expect(entry!.blocks, 'the manifest\'s block keys are the ones the page sends with its runs').toEqual(runs.map((_, i) => `${pathname}#${i}`));
      expect(Object.keys(entry!.checks), 'the manifest\'s checks are the page\'s Check buttons, in order').toEqual(checks.map((c) => c.key));
      for (const [key, c] of Object.entries(entry!.checks)) expect(html, `the script of check ${key} must not be in the page`).not.toContain(c.script);
    });

    // A check runs at its place in the page, after the blocks above it, and must pass there.
    const checkAt = (position: number) => {
      for (const c of checks.filter((x) => x.position === position)) {
        it(`check ${c.key} passes`, { timeout: 60_000 }, async () => {
          const r = await api.request('POST', `/api/sessions/${session}/checks`, { page: slug, check: c.key });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          counts.checks++;
          const script = manifest.pages[slug]!.checks[c.key]!.script;
          expect(r.body.passed, `${page.url} check ${c.key} did not pass after the blocks above it; hint: ${r.body.hint}\n--- script ---\n${script}${r.body.output !== undefined ? `\n--- output ---\n${r.body.output}` : ''}`).toBe(true);
        });
      }
    };
    const recordings: PageRecordings = { recordedAt: new Date().toISOString(), blocks: {} };

    beforeAll(async () => {
      session = await api.createSession();
    });

    // A page that declares what the previous pages leave behind is tested from there: its catch-up first.
    if (manifest.pages[slug]?.catchUp) {
      it('catches up (its frontmatter catchUp) in a fresh sandbox', { timeout: 300_000 }, async () => {
        const r = await api.request('POST', `/api/sessions/${session}/catch-up`, { page: slug });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        const end = await followRun(r.body.id);
        expect(end.exitCode, `${page.url} catch-up ended with exit ${end.exitCode}, expected 0\n--- output ---\n${end.text}`).toBe(0);
      });
    }

    afterAll(async () => {
      if (session) await api.deleteSession(session);
      if (Object.keys(recordings.blocks).length === 0) return;
      for (const dir of recordingsDirs) {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, `${page.slug}.json`), `${JSON.stringify(recordings, null, 1)}\n`);
      }
    });

    page.blocks.forEach((block, i) => {
      checkAt(i);
      if (block.kind === 'file') {
        it(`writes file block ${block.path}`, async () => {
          const r = await api.request('PUT', `/api/sessions/${session}/files`, { path: block.path, content: block.content });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          counts.files++;
        });
        return;
      }
      const first = block.command.split('\n')[0]!.slice(0, 60);
      // The page says why the block is not run here; the summary lists it (a skipped test would read as untested).
      if (block.ciSkip !== undefined) return void skippedInCi.push(`${page.url} block ${block.index} \`${first}\`: ${block.ciSkip}`);
      it(`block ${block.index} (#${i}): ${first}`, { timeout: ((block.timeoutSeconds ?? 120) + 60) * 1000 }, async () => {
        const r = await runBlock(session, block);
        counts.blocks++;
        const output = withRegistryPlaceholder(r.text, siteRegistry).slice(-20_000);
        recordings.blocks[String(block.index)] = { exitCode: r.exitCode ?? -1, output };
        const where = `${page.url} block ${block.index} \`${first}\``;
        expect(r.error, `${where} failed: ${r.error}\n--- output ---\n${r.text}`).toBeUndefined();
        expect(r.exitCode, `${where} ended with exit ${r.exitCode}, expected ${block.exit}\n--- output ---\n${r.text}`).toBe(block.exit);
        if (block.expect) expect(r.text, `${where}: output does not match /${block.expect.source}/`).toMatch(block.expect);
        // The server's own shell (state load and save) must never speak in a block's output: an error
        // of bash in one of its files reads `/run/rdn/lib.sh: line 12: ...` (a `ps` listing may name them).
        expect(r.text, `${where}: the session's state machinery printed into the output`).not.toMatch(/\/run\/rdn\/[^\s:]+: line \d+:/);
      });
    });
    checkAt(page.blocks.length);
  });
}
