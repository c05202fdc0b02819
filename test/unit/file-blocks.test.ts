/** Which file blocks a Run writes first: what was last written is kept per path, not per block. */
import { describe, expect, it } from 'vitest';
import { fileBlocksToWrite, type FileBlock } from '../../src/client/file-blocks.ts';

const v1: FileBlock = { path: 'Dockerfile', content: 'FROM alpine\n' };
const v2: FileBlock = { path: 'Dockerfile', content: 'FROM ubuntu\n' };
const app: FileBlock = { path: 'app.py', content: 'print(1)\n' };

/** Runs a block with these file blocks above it, as the page does: writes what is due, remembers it. */
function run(above: FileBlock[], written: Map<string, string>): FileBlock[] {
  const due = fileBlocksToWrite(above, written).map((i) => above[i]!);
  for (const f of due) written.set(f.path, f.content);
  return due;
}

describe('fileBlocksToWrite', () => {
  it('writes each file block above once, and again only when the workspace holds something else', () => {
    const written = new Map<string, string>();
    expect(run([v1, app], written)).toEqual([v1, app]);
    expect(run([v1, app], written)).toEqual([]);
  });

  it('after a Run all, the first build run again gets the first Dockerfile back (Dockerfile v1, build, v2, build)', () => {
    const written = new Map<string, string>();
    expect(run([v1], written), 'first build').toEqual([v1]);
    expect(run([v1, v2], written), 'second build: only the last Dockerfile above it').toEqual([v2]);
    expect(run([v1], written), 'first build again').toEqual([v1]);
    expect(run([v1, v2], written), 'second build again').toEqual([v2]);
    expect(run([v1, v2], written)).toEqual([]);
  });

  it('keeps page order among the paths it writes', () => {
    const written = new Map<string, string>();
    expect(run([v1, app, v2], written)).toEqual([app, v2]);
    expect(run([app, v1], new Map([['app.py', 'old']]))).toEqual([app, v1]);
  });
});
