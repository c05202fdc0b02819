import { describe, expect, it } from 'vitest';
import { useSessionServer } from '../support/session-server.ts';

const served = useSessionServer();

/** Runs a command in the session as a block would, and fails the test when it does not exit 0. */
async function sh(command: string): Promise<string> {
  const r = await served.app.api.run(served.session, command);
  expect(r.exitCode, r.text).toBe(0);
  return r.text;
}

const writeFile = (path: string, content: string) => served.app.api.request('PUT', `/api/sessions/${served.session}/files`, { path, content });

describe('a file block the workspace is in the way of: 409 naming the path and the way out, not a server error', () => {
  // [what the reader did before, the file block's path, what the answer must say]
  const cases: Array<[string, string, string, RegExp[]]> = [
    ['a folder under its name', 'mkdir -p app/conf', 'app/conf', [/\/workspace\/app\/conf is a folder/, /rm -r \/workspace\/app\/conf/]],
    ['a file where its folder should be', 'echo x > notes', 'notes/today.txt', [/\/workspace\/notes is not a folder/, /rm \/workspace\/notes\b/]],
    ['a file two folders up', 'mkdir -p deep && touch deep/file', 'deep/file/a/b.txt', [/\/workspace\/deep\/file is not a folder/]],
    ['a link to nothing where its folder should be', 'ln -s nowhere link', 'link/x.txt', [/\/workspace\/link is not a folder/]],
    [
      'a file it may not write',
      'echo keep > locked.txt && chmod 444 locked.txt',
      'locked.txt',
      [/locked\.txt: the file is not writable/, /chmod u\+w \/workspace\/locked\.txt/],
    ],
    [
      'a folder it may not write in',
      'mkdir ro && chmod 555 ro',
      'ro/new.txt',
      [/the folder \/workspace\/ro is not writable/, /chmod u\+w \/workspace\/ro\b/],
    ],
    [
      'a folder to make inside one it may not write in',
      'mkdir ro2 && chmod 555 ro2',
      'ro2/sub/new.txt',
      [/the folder \/workspace\/ro2 is not writable/],
    ],
  ];

  for (const [what, before, path, says] of cases) {
    it(what, async () => {
      await sh(before);
      const r = await writeFile(path, 'from the page\n');
      expect({ path, status: r.status }).toEqual({ path, status: 409 });
      expect(r.body.error).toContain(`/workspace/${path}`);
      for (const s of says) expect(r.body.error).toMatch(s);
      expect(r.body.error).toMatch(/run the block again/);
    });
  }

  it('a file block of 1 MiB, refused before the helper reads it, gets the same answer', async () => {
    await sh('mkdir -p big');
    const r = await writeFile('big', 'x'.repeat(1024 * 1024));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/\/workspace\/big is a folder/);
  });

  it('leaves what was there as it was, writes once the reader clears the way, and logs no server error', async () => {
    expect(await sh('cat locked.txt')).toContain('keep');
    await sh('chmod u+w locked.txt && rm notes && chmod 755 ro');
    for (const path of ['locked.txt', 'notes/today.txt', 'ro/new.txt']) {
      const r = await writeFile(path, `written ${path}\n`);
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      expect(await sh(`cat ${path}`)).toContain(`written ${path}`);
    }
    expect(served.app.server.output(), 'a conflict is logged as a server error').not.toMatch(/API error/);
  });
});
