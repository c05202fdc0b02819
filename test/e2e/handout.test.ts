import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';
import type { PageRecordings } from '../../src/client/static-fallback.ts';

/** One printed sheet as pdftotext reads it: its size and where its words are (in points). */
interface Sheet {
  height: number;
  words: Array<{ yMin: number; yMax: number; text: string }>;
}

/** The sheets of a PDF, through poppler's pdftotext (the test needs poppler-utils). */
function sheetsOf(pdf: string): Sheet[] {
  let html: string;
  try {
    html = execFileSync('pdftotext', ['-bbox', pdf, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    throw new Error(`pdftotext failed (install poppler-utils: apt-get install poppler-utils): ${(e as Error).message}`);
  }
  return [...html.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)].map((m) => ({
    height: Number(m[2]),
    words: [...m[3]!.matchAll(/<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((w) => ({
      yMin: Number(w[1]),
      yMax: Number(w[2]),
      text: w[3]!,
    })),
  }));
}

const MM = 72 / 25.4;
/** The handout's page margins (scripts/handout.ts); the footer sits in the bottom one. */
const MARGIN = 16 * MM;
/** Lines a long recorded output keeps in print, and how many more it may have unfolded (src/client/static-fallback.ts). */
const FOLD_LINES = 25;
const FOLD_SLACK = 5;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdn-handout-'));
const out = path.join(dir, 'handout.pdf');
let log: string;
let sheets: Sheet[];
let text: string;
const recordings = fs
  .readdirSync(path.join(projectRoot, 'public', 'recordings'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(projectRoot, 'public', 'recordings', f), 'utf8')) as PageRecordings);
const outputs = recordings.flatMap((r) => Object.values(r.blocks).map((b) => b.output));

beforeAll(() => {
  log = execFileSync(process.execPath, [path.join(projectRoot, 'scripts', 'handout.ts'), out], { cwd: projectRoot, encoding: 'utf8' });
  fs.mkdirSync(path.join(projectRoot, '.cache', 'test-results'), { recursive: true });
  fs.copyFileSync(out, path.join(projectRoot, '.cache', 'test-results', 'handout.pdf'));
  sheets = sheetsOf(out);
  text = execFileSync('pdftotext', ['-layout', out, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm run handout', () => {
  it('writes one PDF of every page, with recorded outputs', () => {
    expect(log).toMatch(/Handout written/);
    const pdf = fs.readFileSync(out);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(sheets.length).toBeGreaterThan(10);
    expect(text).toMatch(/Recorded output \(exit 0/);
  });

  it('fills every sheet but the last at least halfway', () => {
    const body = (s: Sheet) => s.words.filter((w) => w.yMin < s.height - MARGIN);
    const filled = sheets.map((s) => {
      const lowest = Math.max(0, ...body(s).map((w) => w.yMax));
      return (lowest - MARGIN) / (s.height - 2 * MARGIN);
    });
    const empty = filled
      .slice(0, -1)
      .map((f, i) => ({ sheet: i + 1, filled: Math.round(f * 100) }))
      .filter((s) => s.filled < 50);
    expect(empty, `sheets filled less than halfway (percent of the printable height) among ${sheets.length}`).toEqual([]);
  });

  it(`folds each recorded output longer than ${FOLD_LINES + FOLD_SLACK} lines to its first ${FOLD_LINES}, saying how many more`, () => {
    const long = outputs.map((o) => o.replace(/\n$/, '').split('\n').length).filter((n) => n > FOLD_LINES + FOLD_SLACK);
    expect(long.length, 'the recordings should hold long outputs (docker inspect)').toBeGreaterThan(0);
    const folds = [...text.matchAll(/… (\d+) more lines/g)].map((m) => Number(m[1]));
    expect(folds.sort(), 'one "… N more lines" per long output, N = its lines past the first ones').toEqual(long.map((n) => n - FOLD_LINES).sort());
  });

  it('wraps wide output lines between words, not inside them', () => {
    // Every word of the printed part of each output (short enough to fit a line) is found whole, or
    // broken only after punctuation (`--disable-host-` / `loopback`), where a line may wrap.
    const atPunctuation = text.replace(/([-/=,:.])[ \t]*\n[ \t]*/g, '$1');
    const printed = new Set([...text.split(/\s+/), ...atPunctuation.split(/\s+/)]);
    const words = outputs.flatMap((o) =>
      o
        .split('\n')
        .slice(0, FOLD_LINES)
        .flatMap((l) => l.split(/\s+/))
        .filter((w) => w.length >= 6 && w.length <= 40 && !w.includes('\r')),
    );
    expect(words.length).toBeGreaterThan(100);
    const broken = [...new Set(words.filter((w) => !printed.has(w)))];
    expect(broken, 'output words printed split across lines').toEqual([]);
  });

  it('shows no test-only registry host name', () => {
    expect(text, "the handout should show <registry>, not the test run's registry host").not.toMatch(/registry-auth/);
    expect(text).toContain('<registry>/notes/pythonhello');
  });
});
