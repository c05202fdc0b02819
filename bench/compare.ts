/**
 * Ratio changes between two bench runs: `npm run bench -- --compare saved.json` after a run, or
 * `node bench/compare.ts saved.json new.json` for two saved runs. Only ratios and percentiles that the
 * bench records under `ratios` are compared: milliseconds move from machine to machine, ratios less.
 */
import fs from 'node:fs';

/** The figures a bench run keeps for comparison: name -> value, with whether lower is better. */
export type Ratios = Record<string, { value: number; lowerIsBetter: boolean }>;

/** Reads the `ratios` of a saved bench-<time>.json, with a clear error for anything else. */
export function readRatios(file: string): Ratios {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read ${file} as a bench result: ${(err as Error).message}`);
  }
  const ratios = (data as { ratios?: Ratios }).ratios;
  if (!ratios || typeof ratios !== 'object') throw new Error(`${file} has no "ratios": it was written by an older bench, or is not a bench result.`);
  return ratios;
}

/** Lines of a table: each figure before, now, and the change (better / worse by how much). */
export function compareRatios(before: Ratios, after: Ratios): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const width = Math.max(...names.map((n) => n.length), 8);
  const lines = [`${'figure'.padEnd(width)}  ${'saved'.padStart(9)}  ${'now'.padStart(9)}  change`];
  for (const name of names) {
    const b = before[name];
    const a = after[name];
    const show = (x?: { value: number }) => (x ? x.value.toFixed(2).padStart(9) : '—'.padStart(9));
    let change = '';
    if (a && b && b.value !== 0) {
      const pct = ((a.value - b.value) / Math.abs(b.value)) * 100;
      const better = a.lowerIsBetter ? pct < 0 : pct > 0;
      change = Math.abs(pct) < 0.5 ? 'same' : `${pct > 0 ? '+' : ''}${pct.toFixed(1)} % (${better ? 'better' : 'worse'})`;
    } else change = a ? 'new' : 'gone';
    lines.push(`${name.padEnd(width)}  ${show(b)}  ${show(a)}  ${change}`);
  }
  return lines;
}

if (import.meta.main) {
  const [saved, fresh] = process.argv.slice(2);
  if (!saved || !fresh) {
    console.error('usage: node bench/compare.ts saved.json new.json');
    process.exit(2);
  }
  for (const line of compareRatios(readRatios(saved), readRatios(fresh))) console.log(line);
}
