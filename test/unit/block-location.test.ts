/** The line an authoring error names: the block's own opening fence, wherever it sits in the page. */
import { describe, expect, it } from 'vitest';
import { fenceLine } from '../../src/code-blocks/block-location.ts';

// Line 5 holds a plain shell block; the same kind of block sits indented in a list below it.
const PAGE = [
  '---', // 1
  'title: T', // 2
  '---', // 3
  '', // 4
  '```shell', // 5
  'docker ps', // 6
  '```', // 7
  '', // 8
  '1. First start it:', // 9
  '', // 10
  '   ```shell', // 11
  '   docker run -d --name web nginx', // 12
  '   docker top <CONTAINER_ID>', // 13
  '   ```', // 14
  '', // 15
  '2. Then write the Makefile:', // 16
  '', // 17
  '   ```shell', // 18
  '   printf "all:\\n\\techo hi\\n" > Makefile', // 19
  '   ```', // 20
  '', // 21
  '```shell', // 22
  'cat <<-EOF', // 23
  '\tindented by a tab', // 24
  '\tEOF', // 25
  '```', // 26
].join('\n');

describe('fenceLine', () => {
  it('finds the block at line 5', () => {
    expect(fenceLine(PAGE, 'shell', '', 'docker ps')).toBe(5);
  });

  it('finds an indented block in a list item (its code comes without the indentation)', () => {
    expect(fenceLine(PAGE, 'shell', '', 'docker run -d --name web nginx\ndocker top <CONTAINER_ID>')).toBe(11);
    expect(fenceLine(PAGE, 'shell', '', 'printf "all:\\n\\techo hi\\n" > Makefile')).toBe(18);
  });

  it('finds a block holding tabs, whether or not they reached the plugin as spaces', () => {
    expect(fenceLine(PAGE, 'shell', '', 'cat <<-EOF\n\tindented by a tab\n\tEOF')).toBe(22);
    expect(fenceLine(PAGE, 'shell', '', 'cat <<-EOF\n  indented by a tab\n  EOF')).toBe(22);
  });

  it('tells identical blocks apart by their place among the blocks', () => {
    const twice = '```shell\ndocker ps\n```\n\ntext\n\n```shell\ndocker ps\n```\n';
    expect(fenceLine(twice, 'shell', '', 'docker ps', 0)).toBe(1);
    expect(fenceLine(twice, 'shell', '', 'docker ps', 1)).toBe(7);
    expect(fenceLine(twice, 'shell', '', 'docker ps')).toBe(1);
  });
});
