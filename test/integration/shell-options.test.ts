import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../server/docker/engine.ts';
import { LABELS } from '../../server/docker/labels.ts';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import type { StartedServer } from '../support/server.ts';

let engine: Engine;
let server: StartedServer;
let api: ApiClient;
let instance: string;

beforeAll(async () => {
  ({ engine } = await requireEngine());
  ({ server, api, instance } = await startAppServer());
});

afterAll(async () => {
  await server?.stop();
  if (engine && instance) await engine.removeLabelled({ [LABELS.instance]: instance });
});

// A function is parsed again when the next block loads the saved state: the glob options it was
// written under must be back on by then, or every later block starts with a syntax error. (As in a
// terminal, a block sets an option on one line and uses it on the next: bash parses a line whole.)
/** What bash prints when something of the session's state machinery (under /run/rdn) fails. */
const MACHINERY = /\/run\/rdn\/[^\s:]+: line \d+:/;

describe('shell options carry between blocks, so saved functions parse again', () => {
  it.each([
    ['extglob', 'shopt -s extglob\nf() { case $1 in @(a|b)) echo match;; *) echo other;; esac; }', 'f a', 'match'],
    ['extglob off again', 'shopt -s extglob; shopt -u extglob; g() { echo plain; }', 'shopt -q extglob && echo on || echo off; g', 'off\nplain'],
    ['nullglob', 'shopt -s nullglob', 'echo x /nonexistent-*; echo y', 'x\ny'],
    // The state's own files are found by globs: the reader's glob options must not reach those.
    ['failglob', 'shopt -s failglob', 'shopt -q failglob && echo on', 'on'],
    ['failglob and nullglob', 'shopt -s failglob nullglob', 'shopt -q failglob && shopt -q nullglob && echo both', 'both'],
    ['globstar', 'shopt -s globstar; mkdir -p /tmp/gs/a/b && touch /tmp/gs/a/b/deep.txt', 'echo /tmp/gs/**/deep.txt', '/tmp/gs/a/b/deep.txt'],
  ])('%s', async (_name, first, next, expected) => {
    const session = await api.createSession();
    const a = await api.run(session, first);
    expect(a.exitCode, `the first block failed: ${a.text}`).toBe(0);
    expect(a.text, "the state's save spoke in the first block").not.toMatch(MACHINERY);
    const b = await api.run(session, next);
    expect(b.text, "the state's load spoke in the second block").not.toMatch(MACHINERY);
    expect(b.text, 'the second block printed an error while loading the state').not.toMatch(/syntax error|state\.sh/);
    expect(b.text.replace(/\r/g, '').trim()).toBe(expected);
    expect(b.exitCode).toBe(0);
  });

  it.each([
    ['a function', 'cd /tmp; cd() { builtin cd "$@" && echo cd-ran; }'],
    ['an alias', 'cd /tmp; alias cd="echo cd-ran; cd"'],
  ])("a reader's own cd (%s) does not run when the next block loads the state", async (_what, first) => {
    const session = await api.createSession();
    await api.run(session, first);
    const b = await api.run(session, 'pwd');
    expect(b.text.replace(/\r/g, '').trim(), 'the whole output of the next block').toBe('/tmp');
  });

  it('sourcing bash-completion in a block leaves the next blocks working', async () => {
    const session = await api.createSession();
    const a = await api.run(
      session,
      'source /usr/share/bash-completion/bash_completion; source /usr/share/bash-completion/completions/docker; complete -p docker',
    );
    expect(a.text).toContain('complete -F _docker docker');
    for (const cmd of ['echo one', 'echo two']) {
      const b = await api.run(session, cmd);
      expect(b.text, `"${cmd}" after sourcing bash-completion`).not.toMatch(/syntax error|state\.sh/);
      expect(b.exitCode).toBe(0);
    }
  });
});
