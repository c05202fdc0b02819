// Entry point of `npm start`: checks the Node version, prepares what a fresh clone lacks
// (dependencies, engine, images), then loads the TypeScript server.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import './check-node.mjs';

if (process.env.SKIP_PREPARE !== '1') {
  const prepare = path.join(import.meta.dirname, '..', 'scripts', 'prepare.mjs');
  const r = spawnSync(process.execPath, [prepare], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import('./main.ts');
