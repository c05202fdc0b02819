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

/**
 * Shows each block's recorded output under it, labelled as recorded. On screen it appears only
 * when no notes server answers (a static host); in print it is always there, next to its code.
 */
export async function showRecordings(blocks: HTMLElement[], pathname = location.pathname): Promise<void> {
  let rec: PageRecordings;
  try {
    const res = await fetch(recordingsUrl(pathname));
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
    const label = document.createElement('div');
    label.className = 'rdn-recorded-label';
    label.textContent = `Recorded output (exit ${r.exitCode}, ${day})`;
    const pre = document.createElement('pre');
    pre.textContent = r.output;
    box.append(label, pre);
    (block.closest('.expressive-code') ?? block).after(box);
  });
}

/** The handout: every page's blocks get their recorded output, page by page. */
export async function showHandoutRecordings(): Promise<void> {
  const sections = [...document.querySelectorAll<HTMLElement>('section[data-page-path]')];
  await Promise.all(
    sections.map((s) => showRecordings([...s.querySelectorAll<HTMLElement>('[data-run-command]')], s.dataset.pagePath)),
  );
  document.body.dataset.recordingsReady = 'true';
}
