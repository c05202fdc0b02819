import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';

// A run that says which shell ran it: the spare shell (started ahead, given the command on its
// terminal) or an exec of its own (the command in its environment).
const WHICH_SHELL = `case $BASH_EXECUTION_STRING in *'read -r __rdn_id'*) echo via-spare;; *) echo via-exec;; esac`;

let app: AppServer;
let session: string;

beforeAll(async () => {
  await requireEngine();
  app = await startAppServer();
  session = await app.api.createSession();
  await app.api.run(session, 'true');
});

afterAll(async () => {
  await app?.close();
});

/** Runs `command` in the session's spare shell, once the sandbox has one: fails if it ran elsewhere. */
async function runInSpare(command: string, size?: { cols: number; rows: number }) {
  await expect
    .poll(async () => (await app.api.run(session, 'pgrep -fc "read -r __rdn_id" || true')).text.trim(), {
      timeout: 30_000,
      message: 'the sandbox never got a spare shell',
    })
    .not.toBe('0');
  const r = await app.api.run(session, `${WHICH_SHELL}\n${command}`, size);
  expect(r.text.split('\n')[0]?.trim(), 'the run went through the spare shell').toBe('via-spare');
  return { ...r, text: r.text.slice(r.text.indexOf('\n') + 1).replaceAll('\r\n', '\n') };
}

describe('a run in the spare shell gets its command byte for byte', () => {
  it.each([
    ['backslashes and printf escapes', String.raw`a\b \\ \c \x41 \0101 \u00e9 %b %s \n`],
    ['UTF-8 and a tab', 'é ü ✓ 🐳\tend'],
    ['control characters a terminal would act on', 'ctl-c:\x03 ctl-d:\x04 ctl-z:\x1a ctl-u:\x15 esc:\x1b[31m del:\x7f'],
    ['lines that look like the end of the input', '.\n\n \n.'],
    ['a line longer than a terminal takes in one line', 'x'.repeat(5000)],
  ])('%s', async (_what, payload) => {
    // The payload travels in the command itself; the command prints it back as hex, so the
    // terminal's own output processing cannot hide a difference.
    const r = await runInSpare(`od -An -tx1 -v <<'RDN_END' | tr -d ' \\n'\n${payload}\nRDN_END`);
    expect(r.exitCode, r.text).toBe(0);
    expect(r.text.trim()).toBe(Buffer.from(`${payload}\n`, 'utf8').toString('hex'));
  });

  it('a command of 60 KiB runs whole', async () => {
    const r = await runInSpare(`: '${'y'.repeat(60 * 1024)}'; echo "done-$(( 6 * 7 ))"`);
    expect(r.text.trim()).toBe('done-42');
  });
});

describe('the spare shell is a run like any other', () => {
  it('its terminal has the size the run asked for, also when that changes', async () => {
    expect((await runInSpare('stty size', { cols: 111, rows: 33 })).text.trim()).toBe('33 111');
    expect((await runInSpare('stty size', { cols: 90, rows: 20 })).text.trim()).toBe('20 90');
  });

  it('state carries to and from it: the working folder, exported variables, functions', async () => {
    await app.api.run(session, 'mkdir -p /workspace/spare-dir && cd /workspace/spare-dir && export SPARE_VAR=kept && spare_fn() { echo fn-ok; }');
    const r = await runInSpare('echo "$PWD $SPARE_VAR"; spare_fn');
    expect(r.text.trim().split('\n')).toEqual(['/workspace/spare-dir kept', 'fn-ok']);
  });

  it('reads what the reader types', async () => {
    await runInSpare('true');
    const id = await app.api.startRun(session, 'read -r line; echo "got:$line"');
    let sent = false;
    const seen = await app.api.follow(id, 0, (stream, s) => {
      // Typed as soon as the stream opens, as a reader can.
      if (!sent && s.messages.length > 0) {
        sent = true;
        stream.stdin('typed here\r');
      }
    });
    expect(seen.output.toString()).toContain('got:typed here');
  });

  it('exits with the command’s own code', async () => {
    const r = await runInSpare('exit 7');
    expect(r.exitCode).toBe(7);
  });

  it('a reader who kills the spare shell still runs the next block, in an exec of its own', async () => {
    await runInSpare('true');
    await app.api.run(session, 'pkill -f "read -r __rdn_id"; true');
    const r = await app.api.run(session, `${WHICH_SHELL}; echo after-kill`);
    expect(r.exitCode, r.text).toBe(0);
    expect(r.text).toContain('after-kill');
  });

  it('two runs started at once both run, whichever gets the spare', async () => {
    await runInSpare('true');
    const [a, b] = await Promise.all([app.api.run(session, 'echo first-one'), app.api.run(session, 'echo second-one')]);
    expect(a.text).toContain('first-one');
    expect(b.text).toContain('second-one');
  });
});
