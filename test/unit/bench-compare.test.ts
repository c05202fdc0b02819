import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRatios, readRatios } from '../../bench/compare.ts';
import { LoadTrail } from '../../bench/load-average.ts';

describe('bench --compare', () => {
  it('says which way each figure moved, by whether lower or higher is better', () => {
    const lines = compareRatios(
      {
        'warm / floor': { value: 1.2, lowerIsBetter: true },
        'stream %': { value: 90, lowerIsBetter: false },
        old: { value: 1, lowerIsBetter: true },
      },
      {
        'warm / floor': { value: 1.08, lowerIsBetter: true },
        'stream %': { value: 81, lowerIsBetter: false },
        fresh: { value: 2, lowerIsBetter: true },
      },
    );
    expect(lines.find((l) => l.startsWith('warm / floor'))).toMatch(/-10\.0 % \(better\)/);
    expect(lines.find((l) => l.startsWith('stream %'))).toMatch(/-10\.0 % \(worse\)/);
    expect(lines.find((l) => l.startsWith('old'))).toMatch(/gone$/);
    expect(lines.find((l) => l.startsWith('fresh'))).toMatch(/new$/);
  });

  it('refuses a file that is not a bench result, saying what it is', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdn-bench-'));
    fs.writeFileSync(path.join(dir, 'old.json'), JSON.stringify({ quick: true }));
    expect(() => readRatios(path.join(dir, 'old.json'))).toThrow(/has no "ratios"/);
    expect(() => readRatios(path.join(dir, 'missing.json'))).toThrow(/Cannot read/);
    fs.rmSync(dir, { recursive: true });
  });

  it('marks the load and calls a run noisy when the load passed the core count', () => {
    const trail = new LoadTrail();
    trail.mark('start');
    trail.marks.push({ at: 'busy', load1: trail.marks[0]!.cores + 5, cores: trail.marks[0]!.cores });
    expect(trail.summary()).toMatch(/start [\d.]+, busy [\d.]+ — above \d+ cores at \d+ marks: a noisy run/);
  });
});
