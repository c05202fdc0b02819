// Entry point of `npm start`: checks the Node version, prepares what a fresh clone lacks
// (dependencies, engine, images), then loads the TypeScript server.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import './check-node.mjs';

// V8's heap, set on the command line (so this process replaces itself once, same pid); a size given
// in the command line or NODE_OPTIONS is left as it is.
// - A young generation of at most 2 x 4 MiB: V8's default lets it grow to 32 MiB while output
//   streams, which was half of the server's RSS growth per GiB streamed (bench section 4), and the
//   smaller one cost no more CPU there.
// - An old generation that starts at 64 MiB: each read of a run's output is a buffer that dies young,
//   but from the default start (the live heap, about 26 MiB, and a little room) those buffers set off a
//   full collection every 15-20 MiB streamed, about 60 per GiB and a quarter of the server's CPU in a
//   flood. From 64 MiB: 0-2 per 256 MiB, the server's CPU per GiB 20-30 % lower, its RSS some 10 MiB higher.
const HEAP = ['--max-semi-space-size=4', '--initial-old-space-size=64'];
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
const missing = HEAP.filter((flag) => !given.some((a) => a.startsWith(flag.split('=')[0])));
if (missing.length > 0 && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], process.env);
}

if (process.env.SKIP_PREPARE !== '1') {
  const prepare = path.join(import.meta.dirname, '..', 'scripts', 'prepare.mjs');
  const r = spawnSync(process.execPath, [prepare], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import('./main.ts');
