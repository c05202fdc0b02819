// Entry point of `npm start`: checks the Node version, prepares what a fresh clone lacks
// (dependencies, engine, images), then loads the TypeScript server.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import './check-node.mjs';

// A young generation of at most 2 x 4 MiB: V8's default lets it grow to 32 MiB while output
// streams, which was half of the server's RSS growth per GiB streamed (bench section 4), and the
// smaller one cost no more CPU there. The flag must be on the command line, so this process replaces itself once (same pid);
// a size given in the command line or NODE_OPTIONS is left as it is.
const YOUNG = '--max-semi-space-size=4';
const chosen = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--max-semi-space-size'));
if (!chosen && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, YOUNG, ...process.execArgv, ...process.argv.slice(1)], process.env);
}

if (process.env.SKIP_PREPARE !== '1') {
  const prepare = path.join(import.meta.dirname, '..', 'scripts', 'prepare.mjs');
  const r = spawnSync(process.execPath, [prepare], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import('./main.ts');
