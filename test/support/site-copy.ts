import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../server/config.ts';

/** What a copy of the site needs besides node_modules (linked, not copied). */
const PARTS = ['docs', 'src', 'public', 'server', 'scripts', 'test', 'astro.config.mjs', 'package.json', 'tsconfig.json', 'vitest.config.ts'];

/** A throwaway copy of the project that a test may add pages to, build and serve. */
export interface SiteCopy {
  root: string;
  /** Writes a file under the copy (e.g. `docs/runbooks/deploy.mdx`), making its folders. */
  write(rel: string, content: string): void;
  /** `astro build` in the copy: its exit code and everything it printed. */
  build(): Promise<{ code: number | null; output: string }>;
  /** Runs a node script of the copy with arguments; exit code and output. */
  node(args: string[], env?: Record<string, string>): Promise<{ code: number | null; output: string }>;
  remove(): void;
}

/** Copies the project into a temporary folder (without dist/, .cache/ or recordings). */
export function copySite(): SiteCopy {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'site-copy-'));
  for (const part of PARTS)
    fs.cpSync(path.join(projectRoot, part), path.join(root, part), { recursive: true, filter: (src) => !src.includes(`${path.sep}recordings`) });
  // Each package is linked, but the folder is the copy's own: Astro and Vite keep their caches
  // (content store, optimized deps) in node_modules/.astro and .vite, which must not be shared.
  fs.mkdirSync(path.join(root, 'node_modules'));
  for (const entry of fs.readdirSync(path.join(projectRoot, 'node_modules'))) {
    if (entry === '.astro' || entry === '.vite') continue;
    fs.symlinkSync(path.join(projectRoot, 'node_modules', entry), path.join(root, 'node_modules', entry));
  }
  const node = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, output }));
    });
  return {
    root,
    write(rel, content) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), content);
    },
    // The site as `npm start` builds it (a test runner's NODE_ENV=test would make Vite build the dev flavour).
    build: () => node([path.join(root, 'node_modules', 'astro', 'bin', 'astro.mjs'), 'build'], { NODE_ENV: 'production' }),
    node,
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
