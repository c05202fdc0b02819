import fs from 'node:fs';
import path from 'node:path';

/** Where a fenced block is in its page: the file (relative to the project) and the fence's line. */
export interface BlockLocation {
  file: string;
  line: number | undefined;
}

/** A fence of a page's source: its opening line (1-based), info string and content. */
export interface SourceFence {
  line: number;
  info: string;
  code: string;
}

export function fencesOf(source: string): SourceFence[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const fences: SourceFence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const marker = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`).test(lines[j]!)) body.push(lines[j++]!);
    fences.push({ line: i + 1, info: open[3]!.trim(), code: body.join('\n') });
    i = j;
  }
  return fences;
}

/** A block's text for comparison: Markdown drops a fence's indentation (a list item's), and tabs may reach a plugin as spaces. */
function comparable(code: string): string {
  return code
    .split('\n')
    .map((l) => l.replace(/\t/g, '  ').trim())
    .join('\n')
    .trim();
}

/**
 * The line of a block's opening fence in its page. Astro's Markdown pipeline hands Expressive Code
 * the page's path but no position (blocks render concurrently), so the fence is found in the
 * source by its language, options and text, indented (in a list item) or not; of identical
 * blocks, the one at the block's place among the page's blocks (`index`), else the first.
 */
export function fenceLine(source: string, language: string, meta: string, code: string, index?: number): number | undefined {
  const fences = fencesOf(source);
  const info = `${language} ${meta}`.trim().replace(/\s+/g, ' ');
  const sameInfo = fences.filter((f) => f.info.replace(/\s+/g, ' ') === info);
  const text = comparable(code);
  const same = sameInfo.filter((f) => comparable(f.code) === text);
  const placed = index === undefined ? undefined : fences[index];
  return (same.find((f) => f === placed) ?? same[0] ?? sameInfo[0])?.line;
}

/** The location of a block, from the parent document Expressive Code passes to its plugins. */
export function blockLocation(block: {
  language: string;
  meta: string;
  code: string;
  parentDocument?: { sourceFilePath?: string | undefined; positionInDocument?: { groupIndex: number } | undefined } | undefined;
}): BlockLocation {
  const abs = block.parentDocument?.sourceFilePath;
  if (!abs) return { file: '(unknown page)', line: undefined };
  const file = path.relative(process.cwd(), abs).split(path.sep).join('/');
  const index = block.parentDocument?.positionInDocument?.groupIndex;
  const line = fs.existsSync(abs) ? fenceLine(fs.readFileSync(abs, 'utf8'), block.language, block.meta, block.code, index) : undefined;
  return { file, line };
}

/** An authoring mistake found at build time: where, what, and how to fix it. */
export class AuthoringError extends Error {
  readonly location: BlockLocation;
  readonly hint: string;
  constructor(location: BlockLocation, problem: string, hint: string) {
    super(`${location.file}${location.line ? `:${location.line}` : ''}: ${problem}\n  Hint: ${hint}`);
    this.name = 'AuthoringError';
    this.location = location;
    this.hint = hint;
  }
}
