import { describe, expect, it } from 'vitest';
import { shellCommand } from '../../src/code-blocks/shell-command.ts';

describe('shellCommand: what a shell block runs', () => {
  it('is the whole block when no line has a prompt', () => {
    expect(shellCommand('docker ps -a\n')).toBe('docker ps -a');
    expect(shellCommand('cd /tmp\nls')).toBe('cd /tmp\nls');
  });

  it('is only the prompted lines when some have a `$ ` prompt', () => {
    const block = ['# View all containers', '$ docker ps -a', 'CONTAINER ID   IMAGE', '', '$ docker images'].join('\n');
    expect(shellCommand(block)).toBe('docker ps -a\ndocker images');
  });

  it('keeps backslash continuations of a prompted line', () => {
    expect(shellCommand('$ docker run \\\n  --rm ubuntu \\\n  echo hi\noutput')).toBe('docker run \\\n  --rm ubuntu \\\n  echo hi');
  });

  it('handles indented prompts and CRLF', () => {
    expect(shellCommand('  $ docker build -t pythonhello .\r\n')).toBe('docker build -t pythonhello .');
  });
});
