// Runs the test layers one after the other (unit, integration, security, docs, e2e, selfhost), each with vitest, and ends
// with one line of totals. A layer that runs no test fails the run: green must mean tested.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { testArgs } from './test-args.mjs';

const root = path.resolve(import.meta.dirname, '..');
// `npm run docs:test -- docs/runbooks/deploy.mdx` runs only those pages (and not the build-failure
// tests), quick enough while writing a page; after `docs`, every argument is a page or folder.
const parsed = testArgs(process.argv.slice(2));
if ('error' in parsed) {
  console.error(parsed.error);
  process.exit(2);
}
const { layers, pages: pagesArgs } = parsed;
const outDir = path.join(root, '.cache', 'test-results');
fs.mkdirSync(outDir, { recursive: true });
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
let ok = true;
for (const layer of layers) {
  const out = path.join(outDir, `${layer}.json`);
  fs.rmSync(out, { force: true });
  console.log(`\n=== ${layer} tests ===`);
  const only = layer === 'docs' && pagesArgs.length ? ['test/docs/pages.test.ts'] : [];
  const r = spawnSync(
    process.execPath,
    [vitest, 'run', '--project', layer, ...only, '--reporter=default', '--reporter=json', `--outputFile=${out}`],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...(only.length ? { DOCS_PAGES: pagesArgs.join('\n') } : {}) },
    },
  );
  let passed = 0,
    failed = 0,
    skipped = 0;
  if (fs.existsSync(out)) {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed = j.numPassedTests;
    failed = j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0);
    skipped = j.numPendingTests + j.numTodoTests;
    failed += j.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  }
  if (r.status !== 0 && failed === 0) failed = 1;
  if (passed === 0) ok = false;
  if (failed > 0 || skipped > 0) ok = false;
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  lines.push(`${layer}: ${passed} passed, ${failed} failed, ${skipped} skipped${passed === 0 ? ' (no test ran: counted as a failure)' : ''}`);
}
console.log('\n=== summary ===');
for (const l of lines) console.log(l);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
