import { BLOCK_ATTRIBUTES as A } from '../code-blocks/block-attributes.ts';
import { fetchRetrying } from './fetch-retrying.ts';

/** One block's recorded output, as `npm run docs:test` saved it. */
export interface Recording {
  exitCode: number;
  output: string;
}

/** The recordings of a page: block index (among its runnable blocks) -> recording. */
export interface PageRecordings {
  recordedAt: string;
  blocks: Record<string, Recording>;
}

/** Where the static build keeps a page's recordings. */
export function recordingsUrl(pathname: string): string {
  const slug = pathname.replace(/^\/+|\/+$/g, '') || 'index';
  return `/recordings/${slug.replace(/\//g, '__')}.json`;
}

/** Outputs longer than this fold in print to their first lines (print.css hides the rest). */
const FOLD_LINES = 25;
/** An output at most this many lines past FOLD_LINES is shown whole. */
const FOLD_SLACK = 5;
/** Outputs up to this many lines are kept whole on one printed sheet. */
const SHORT_LINES = 12;

/**
 * Writes an output into its box. A long one (e.g. `docker inspect` JSON, pages of it) is split
 * into its first lines, the rest (shown on screen, hidden in print) and a print-only line saying
 * how many lines were left out.
 */
export function fillRecordedOutput(pre: HTMLElement, output: string): void {
  const lines = output.replace(/\n$/, '').split('\n');
  // Folding away only a few lines would save next to nothing.
  if (lines.length <= FOLD_LINES + FOLD_SLACK) {
    pre.textContent = output;
    return;
  }
  const rest = document.createElement('span');
  rest.className = 'rdn-recorded-rest';
  rest.textContent = `${lines.slice(FOLD_LINES).join('\n')}\n`;
  const more = document.createElement('span');
  more.className = 'rdn-recorded-more';
  more.textContent = `… ${lines.length - FOLD_LINES} more lines`;
  pre.append(`${lines.slice(0, FOLD_LINES).join('\n')}\n`, rest, more);
}

/**
 * Shows each block's recorded output under it, labelled as recorded. On screen it appears only
 * when no notes server answers (a static host); in print it is always there, next to its code.
 */
export async function showRecordings(blocks: HTMLElement[], pathname = location.pathname): Promise<void> {
  let rec: PageRecordings;
  try {
    const res = await fetchRetrying(recordingsUrl(pathname));
    if (!res.ok) return;
    rec = (await res.json()) as PageRecordings;
  } catch {
    return;
  }
  const day = rec.recordedAt.slice(0, 10);
  blocks.forEach((block, i) => {
    const r = rec.blocks[String(i)];
    if (!r) return;
    const box = document.createElement('div');
    box.className = 'rdn-recorded';
    box.dataset.pagefindIgnore = '';
    const label = document.createElement('div');
    label.className = 'rdn-recorded-label';
    label.textContent = `Recorded output (exit ${r.exitCode}, ${day})`;
    const pre = document.createElement('pre');
    fillRecordedOutput(pre, r.output);
    // Print keeps short outputs whole on one sheet (print.css); long ones may break across sheets.
    if (pre.textContent.split('\n').length <= SHORT_LINES) box.classList.add('rdn-recorded-short');
    box.append(label, pre);
    (block.closest('.expressive-code') ?? block).after(box);
  });
}

/** The handout: every page's blocks get their recorded output, page by page. */
export async function showHandoutRecordings(): Promise<void> {
  const sections = [...document.querySelectorAll<HTMLElement>('section[data-page-path]')];
  await Promise.all(sections.map((s) => showRecordings([...s.querySelectorAll<HTMLElement>(`[${A.command}]`)], s.dataset.pagePath)));
  document.body.dataset.recordingsReady = 'true';
}
