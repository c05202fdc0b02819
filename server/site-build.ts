import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './config.ts';

const SOURCES = ['docs', 'src', 'public', 'astro.config.mjs', 'package.json'];

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** True when the built site is missing or older than a source it is built from. */
export function siteIsStale(siteDir: string): boolean {
  const index = path.join(siteDir, 'index.html');
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  return SOURCES.some((s) => newestMtime(path.join(projectRoot, s)) > built);
}

function runNode(script: string, args: string[], what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // A production build whoever starts the server: Astro keeps a NODE_ENV already set (a test runner's
    // `test`), and Vite then builds the site's development flavour (code only `npm run dev` should load).
    const child = spawn(process.execPath, [script, ...args], { cwd: projectRoot, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${what} failed with exit code ${code}`))));
  });
}

/** Builds a site into an empty folder it is given; rejects when a step fails. */
export type SiteBuilder = (outDir: string) => Promise<void>;

/** `astro build`, then the Pagefind search index, into `outDir`. */
export const astroAndPagefind: SiteBuilder = async (outDir) => {
  const modules = path.join(projectRoot, 'node_modules');
  await runNode(path.join(modules, 'astro', 'bin', 'astro.mjs'), ['build', '--outDir', outDir], 'astro build');
  await runNode(path.join(modules, 'pagefind', 'lib', 'runner', 'bin.cjs'), ['--site', outDir], 'The Pagefind index');
};

/** Whether a process still runs (a build folder of one that does is in use). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The folders beside the site that builds of this process are using: one of an earlier process that
 * had this same pid (a container restarted) is a leftover like any other.
 */
const inUse = new Set<string>();

/** A build's folders beside the site: being built, built and waiting for the swap, the site it replaced. */
const LEFTOVER = /^(building|built|replaced)-(\d+)(?:-[0-9a-f]+)?$/;

/** The folders beside `siteDir` that builds which no longer run left behind. */
function leftovers(siteDir: string): Array<{ kind: string; dir: string }> {
  const parent = path.dirname(siteDir);
  const prefix = `.${path.basename(siteDir)}.`;
  if (!fs.existsSync(parent)) return [];
  return fs.readdirSync(parent).flatMap((entry) => {
    const m = entry.startsWith(prefix) ? LEFTOVER.exec(entry.slice(prefix.length)) : null;
    if (!m) return [];
    const pid = Number(m[2]);
    const dir = path.join(parent, entry);
    const live = running(pid) && (pid !== process.pid || inUse.has(dir));
    return live ? [] : [{ kind: m[1]!, dir }];
  });
}

/**
 * Cleans up after builds that died. When one died between the two renames of its swap, `siteDir` is
 * missing and both complete copies are beside it: the new build is put in place (else the site it
 * replaced), not removed. A half-built folder, and what is left once `siteDir` is there, is removed.
 */
export function recoverSite(siteDir: string, log: (line: string) => void): void {
  siteDir = path.resolve(siteDir);
  const left = leftovers(siteDir);
  if (!fs.existsSync(siteDir)) {
    // A built copy is whole (it is named so only once its build succeeded), and newer than the one it replaced.
    const index = (dir: string) => path.join(dir, 'index.html');
    const whole = ['built', 'replaced']
      .flatMap((kind) =>
        left
          .filter((l) => l.kind === kind && fs.existsSync(index(l.dir)))
          .sort((a, b) => fs.statSync(index(b.dir)).mtimeMs - fs.statSync(index(a.dir)).mtimeMs),
      )
      .at(0);
    if (whole) {
      fs.renameSync(whole.dir, siteDir);
      log(`Put back the site a build that stopped had moved aside (${path.basename(whole.dir)}).`);
    }
  }
  for (const { dir } of left) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Builds the site into a folder next to `siteDir` and puts it in place of `siteDir` only when the
 * whole build succeeded: a server serving `siteDir` keeps every page while the build runs, and
 * after a failed one. What builds which died left behind is cleaned up first (recoverSite).
 */
export async function buildSite(siteDir: string, log: (line: string) => void, build: SiteBuilder = astroAndPagefind): Promise<void> {
  siteDir = path.resolve(siteDir);
  fs.mkdirSync(path.dirname(siteDir), { recursive: true });
  recoverSite(siteDir, log);
  // Names no earlier process can have left: its pid may be ours.
  const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const beside = (kind: string) => path.join(path.dirname(siteDir), `.${path.basename(siteDir)}.${kind}-${id}`);
  const [building, built, replaced] = [beside('building'), beside('built'), beside('replaced')] as const;
  for (const dir of [building, built, replaced]) inUse.add(dir);
  try {
    try {
      await build(building);
    } catch (e) {
      fs.rmSync(building, { recursive: true, force: true });
      throw e;
    }
    // Marked whole before the swap: a crash between the swap's two renames leaves no siteDir, and the
    // next start puts this copy in place (recoverSite).
    fs.renameSync(building, built);
    if (fs.existsSync(siteDir)) fs.renameSync(siteDir, replaced);
    fs.renameSync(built, siteDir);
    fs.rmSync(replaced, { recursive: true, force: true });
  } finally {
    for (const dir of [building, built, replaced]) inUse.delete(dir);
  }
  log(`Built the site into ${path.relative(projectRoot, siteDir) || siteDir}.`);
}

/** Builds the site (`astro build`, then the Pagefind search index) when it is missing or stale. */
export async function ensureSiteBuilt(siteDir: string, log: (line: string) => void, build: SiteBuilder = astroAndPagefind): Promise<void> {
  // A site a build that died moved aside is put back first: it may be new enough to serve as it is.
  recoverSite(siteDir, log);
  if (!siteIsStale(siteDir)) return;
  log(`Building the site into ${path.relative(projectRoot, siteDir) || siteDir} ...`);
  await buildSite(siteDir, log, build);
}
