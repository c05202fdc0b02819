import { spawn } from 'node:child_process';
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
 * Builds the site into a folder next to `siteDir` and puts it in place of `siteDir` only when the
 * whole build succeeded: a server serving `siteDir` keeps every page while the build runs, and
 * after a failed one. Build folders that a build which died left behind are removed.
 */
export async function buildSite(siteDir: string, log: (line: string) => void, build: SiteBuilder = astroAndPagefind): Promise<void> {
  const parent = path.dirname(path.resolve(siteDir));
  const base = path.basename(siteDir);
  const prefix = `.${base}.`;
  fs.mkdirSync(parent, { recursive: true });
  for (const entry of fs.readdirSync(parent)) {
    const pid = entry.startsWith(prefix) ? Number(/^(?:building|replaced)-(\d+)$/.exec(entry.slice(prefix.length))?.[1]) : 0;
    if (pid && !running(pid)) fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  const building = path.join(parent, `${prefix}building-${process.pid}`);
  const replaced = path.join(parent, `${prefix}replaced-${process.pid}`);
  fs.rmSync(building, { recursive: true, force: true });
  try {
    await build(building);
  } catch (e) {
    fs.rmSync(building, { recursive: true, force: true });
    throw e;
  }
  // Two renames on one file system: the old site is missing for that instant only.
  if (fs.existsSync(siteDir)) fs.renameSync(siteDir, replaced);
  fs.renameSync(building, siteDir);
  fs.rmSync(replaced, { recursive: true, force: true });
  log(`Built the site into ${path.relative(projectRoot, siteDir) || siteDir}.`);
}

/** Builds the site (`astro build`, then the Pagefind search index) when it is missing or stale. */
export async function ensureSiteBuilt(siteDir: string, log: (line: string) => void): Promise<void> {
  if (!siteIsStale(siteDir)) return;
  log(`Building the site into ${path.relative(projectRoot, siteDir) || siteDir} ...`);
  await buildSite(siteDir, log);
}
