import { describe, expect, it } from 'vitest';
import { FAILURE_SHAPES, failureHint } from '../../src/client/failure-hints.ts';

// Outputs as the docker CLI prints them (copied from real failed runs).
const cases: Array<[string, string, RegExp]> = [
  [
    'name-in-use',
    'docker: Error response from daemon: Conflict. The container name "/pythonhello" is already in use by container "3f2a9c". You have to remove (or rename) that container to be able to reuse that name.\r\nSee \'docker run --help\'.',
    /^A container named pythonhello is left from an earlier run: run `docker rm -f pythonhello`, or Restart session\.$/,
  ],
  [
    'port-allocated',
    'docker: Error response from daemon: driver failed programming external connectivity on endpoint web (ab12): Bind for 0.0.0.0:4000 failed: port is already allocated.',
    /^Port 4000 is already taken/,
  ],
  ['port-allocated', 'Error starting userland proxy: listen tcp4 0.0.0.0:80: bind: address already in use.', /^That port is already taken/],
  [
    'image-not-found',
    "Unable to find image 'pythonhelo:latest' locally\r\ndocker: Error response from daemon: pull access denied for pythonhelo, repository does not exist or may require 'docker login'.",
    /^The image pythonhelo:latest is not in your sandbox/,
  ],
  ['image-not-found', 'Error response from daemon: No such image: busybox:1.0', /^The image busybox:1\.0 is not in your sandbox/],
  [
    'image-not-found',
    'Error response from daemon: manifest for ubuntu:nope not found: manifest unknown: manifest unknown',
    /^The image ubuntu:nope /,
  ],
  ['no-space', 'failed to register layer: write /usr/lib/x.so: no space left on device', /^The sandbox's disk is full/],
];

describe('failure hints for common failed runs', () => {
  it.each(cases)('recognises %s', (id, output, hint) => {
    const found = failureHint(output);
    expect(found?.id, `shape for: ${output}`).toBe(id);
    expect(found?.text).toMatch(hint);
  });

  it('gives no hint for an output of no known shape', () => {
    expect(failureHint('ls: cannot access nope: No such file or directory')).toBeUndefined();
  });

  it('keeps every hint to one line that names a next step', () => {
    for (const s of FAILURE_SHAPES) {
      expect(s.hint, s.id).not.toMatch(/\n/);
      expect(s.hint, s.id).toMatch(/`|Restart session|check/);
    }
  });
});
