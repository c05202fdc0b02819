/**
 * `npm run dev`: a preview for authors. Astro's dev server serves the pages from docs/ with live
 * reload on save, and the notes server (the same `server/start.mjs` as `npm start`) runs the
 * blocks behind it on a loopback port of its own. The browser sees one origin: the dev server
 * forwards /api and /ports (HTTP and WebSocket) with the browser's own Host and Origin headers,
 * so the notes server applies the same Host, Origin and token checks as in `npm start`; a link
 * with `?token=` goes to the notes server too, which trades it for the cookie as usual.
 * PORT and HOST say where the preview listens (127.0.0.1:4321 by default).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dev } from 'astro';
import { projectRoot } from '../server/config.ts';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 4321);
const token = process.env.TOKEN ?? crypto.randomBytes(24).toString('base64url');

// The notes server needs no built site here (the dev server serves the pages): an empty site
// folder, newer than every source, keeps it from building one at start.
const siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-preview-'));
fs.writeFileSync(path.join(siteDir, 'index.html'), '<!doctype html><title>preview</title>');

const api = spawn(process.execPath, [path.join(projectRoot, 'server', 'start.mjs')], {
  cwd: projectRoot,
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TOKEN: token, SITE_DIR: siteDir },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const apiUrl = await new Promise<string>((resolve, reject) => {
  let out = '';
  api.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const m = /Runnable Docker notes: (http:\/\/\S+)/.exec(out);
    if (m) resolve(new URL(m[1]!).origin);
    else process.stdout.write(chunk);
  });
  api.once('exit', (code) => reject(new Error(`The notes server exited with ${code} before listening.`)));
});
api.stdout!.pipe(process.stdout);

const forward = { target: apiUrl, ws: true, changeOrigin: false };
const server = await dev({
  root: projectRoot,
  logLevel: 'warn',
  server: { host, port },
  vite: {
    server: {
      strictPort: true,
      // node_modules may be a link to another folder (a shared install): let Vite serve from it.
      fs: { allow: [projectRoot, fs.realpathSync(path.join(projectRoot, 'node_modules'))] },
      proxy: { '/api': forward, '/ports': forward, '^/[^?]*\\?(?:.*&)?token=': { target: apiUrl, changeOrigin: false } },
    },
  },
});
const shown = host.includes(':') ? `[${host}]` : host;
console.log(`Runnable Docker notes (preview): http://${shown}:${server.address.port}/?token=${token}`);
console.log('Pages reload when you save a file under docs/; Run works as with npm start.');

// The notes server is this process's child: it goes when the preview goes, however that happens.
let stopping = false;
process.once('exit', () => {
  api.kill('SIGTERM');
  fs.rmSync(siteDir, { recursive: true, force: true });
});
const stop = () => {
  stopping = true;
  api.kill('SIGTERM');
  void server.stop().finally(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
api.once('exit', (code) => {
  if (stopping) return;
  console.error(`The notes server stopped (exit ${code}); the preview stops too.`);
  void server.stop().finally(() => process.exit(1));
});
