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

/** Builds the site (`astro build`, then the Pagefind search index) when it is missing or stale. */
export async function ensureSiteBuilt(siteDir: string, log: (line: string) => void): Promise<void> {
  if (!siteIsStale(siteDir)) return;
  log(`Building the site into ${path.relative(projectRoot, siteDir) || siteDir} ...`);
  const modules = path.join(projectRoot, 'node_modules');
  await runNode(path.join(modules, 'astro', 'bin', 'astro.mjs'), ['build', '--outDir', siteDir], 'astro build');
  await runNode(path.join(modules, 'pagefind', 'lib', 'runner', 'bin.cjs'), ['--site', siteDir], 'The Pagefind index');
}
