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
let sessionA: string;
let sessionB: string;

beforeAll(async () => {
  ({ engine } = await requireEngine());
  ({ server, api, instance } = await startAppServer());
  sessionA = await api.createSession();
  sessionB = await api.createSession();
});

afterAll(async () => {
  await server?.stop();
  // The server removes its sessions when it stops; this sweeps what a crash would leave.
  if (engine && instance) await engine.removeLabelled({ [LABELS.instance]: instance });
});

describe('running a block through the public API, in a sandbox with its own engine', () => {
  it('streams the output of echo and reports exit 0, after named phases', async () => {
    const r = await api.run(sessionA, 'echo "hello from the sandbox"');
    expect(r.text).toContain('hello from the sandbox');
    expect(r.exitCode).toBe(0);
    expect(r.closeCode).toBe(1000);
    expect(r.messages[0]).toMatchObject({ type: 'hello', offset: 0 });
    const phases = r.messages.filter((m) => m.type === 'phase').map((m) => (m as { phase: string }).phase);
    expect(phases).toContain('starting-engine');
    expect(phases.at(-1)).toBe('ready');
    const info = await api.info(r.id);
    expect(info).toMatchObject({ status: 'exited', exitCode: 0, sessionId: sessionA });
    expect(info.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('a request tried again with its requestId gets the run the first try started: the command runs once', async () => {
    const requestId = crypto.randomUUID();
    const body = { command: 'echo once >> request-id-runs.txt; wc -l < request-id-runs.txt', requestId };
    const first = await api.request('POST', `/api/sessions/${sessionA}/runs`, body);
    const again = await api.request('POST', `/api/sessions/${sessionA}/runs`, body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(again.body.id, 'the same request made a second run').toBe(first.body.id);
    await api.follow(first.body.id);
    const other = await api.run(sessionA, 'wc -l < request-id-runs.txt');
    expect(other.text.trim(), 'lines the command wrote').toBe('1');
    // Another click is another run; a terminal request the same; a bad id is refused.
    const next = await api.request('POST', `/api/sessions/${sessionA}/runs`, { ...body, requestId: crypto.randomUUID() });
    expect(next.body.id).not.toBe(first.body.id);
    await api.follow(next.body.id);
    const terminalBody = { cols: 80, rows: 24, requestId: crypto.randomUUID() };
    const t1 = await api.request('POST', `/api/sessions/${sessionA}/terminal`, terminalBody);
    const t2 = await api.request('POST', `/api/sessions/${sessionA}/terminal`, terminalBody);
    expect(t2.body.id).toBe(t1.body.id);
    // An id reused for something else is a client's mistake, not a retry: 409, and nothing runs.
    const reused = [
      ['another command', `/api/sessions/${sessionA}/runs`, { ...body, command: 'echo other >> request-id-runs.txt' }],
      ['a terminal', `/api/sessions/${sessionA}/terminal`, { cols: 80, rows: 24, requestId }],
      [
        'a block run of the terminal id',
        `/api/sessions/${sessionA}/runs`,
        { command: 'echo other >> request-id-runs.txt', requestId: terminalBody.requestId },
      ],
    ] as const;
    for (const [what, route, reuse] of reused) {
      const r = await api.request('POST', route, reuse);
      expect({ what, status: r.status }).toEqual({ what, status: 409 });
      expect(r.body.error).toMatch(/requestId already started a different run/);
    }
    expect((await api.run(sessionA, 'wc -l < request-id-runs.txt')).text.trim(), 'lines after the refused reuses').toBe('2');
    await api.stop(t1.body.id);
    for (const bad of ['short', 'x'.repeat(65), 'has space!', 42]) {
      const r = await api.request('POST', `/api/sessions/${sessionA}/runs`, { command: 'true', requestId: bad });
      expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
      expect(r.body.error).toMatch(/requestId/);
    }
    await api.run(sessionA, 'rm -f request-id-runs.txt');
  });

  it('reports the exit code of a failing command', async () => {
    const r = await api.run(sessionA, 'exit 3');
    expect(r.exitCode).toBe(3);
    expect((await api.info(r.id)).exitCode).toBe(3);
  });

  it("runs docker against the sandbox's own engine, not the host's", async () => {
    const r = await api.run(sessionA, 'docker version --format "{{.Server.Version}}"; docker info --format "name={{.Name}}"');
    expect(r.exitCode, r.text).toBe(0);
    expect(r.text).toMatch(/\d+\.\d+/);
    expect(r.text).toContain('name=sandbox');
  });

  it('makes a docker command that comes before the engine answers wait for it, and say so, instead of failing', async () => {
    // The sandbox is handed out while its engine starts. Here the mark the server leaves once the
    // engine answers is taken away, and docker is pointed at a socket that appears two seconds
    // later (a link to the engine's), as if the engine were still starting.
    const r = await api.run(
      sessionA,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
      'rm -f /run/rdn/engine-ready /tmp/later.sock; real=${DOCKER_HOST#unix://}; (sleep 2; ln -s "$real" /tmp/later.sock) & ' +
        'DOCKER_HOST=unix:///tmp/later.sock docker version --format "server={{.Server.Version}}"; : >/run/rdn/engine-ready',
    );
    expect(r.exitCode, r.text).toBe(0);
    expect(r.text, 'what docker printed while the engine was starting').toContain("docker: waiting for this sandbox's Docker engine to start");
    expect(r.text).toMatch(/server=\d+\.\d+/);
  });

  it('makes docker fail with a clear message when the engine did not start, without waiting on', async () => {
    const r = await api.run(sessionA, 'rm -f /run/rdn/engine-ready; : >/run/rdn/engine-failed; docker ps');
    await api.run(sessionA, 'rm -f /run/rdn/engine-failed; : >/run/rdn/engine-ready');
    expect(r.exitCode, r.text).toBe(1);
    expect(r.text).toContain("docker: this sandbox's Docker engine did not start (its log: /var/log/dockerd.log)");
  });

  it('pulls ubuntu through the mirror and runs it', async () => {
    const r = await api.run(sessionA, "docker run --rm ubuntu bash -c 'echo hi'");
    expect(r.exitCode, r.text).toBe(0);
    expect(r.text).toMatch(/^hi\r?$/m);
  });

  it('passes stdin through (read x; echo got $x)', async () => {
    const id = await api.startRun(sessionA, 'read x; echo "got $x"');
    let sent = false;
    const seen = await api.follow(id, 0, (stream, s) => {
      // Typed as soon as the stream opens: input typed ahead of the start waits for the command.
      if (!sent && s.messages.length > 0) {
        sent = true;
        stream.stdin('abc\r');
      }
    });
    expect(seen.output.toString()).toContain('got abc');
  });

  it('applies the size the pane asks for, and resizes (stty size)', async () => {
    const r = await api.run(sessionA, 'stty size', { cols: 100, rows: 30 });
    expect(r.text).toContain('30 100');
    // The size is read each time Enter is pressed; the resize reaches the TTY through the engine, not the
    // input stream, so press Enter (as a person would look again) until the new size shows, then Ctrl-D.
    const id = await api.startRun(sessionA, 'while read _; do stty size; done', { cols: 100, rows: 30 });
    let keys: NodeJS.Timeout | undefined;
    const seen = await api.follow(id, 0, (stream, s) => {
      if (!keys && s.messages.length > 0) {
        stream.resize(120, 40);
        let presses = 0;
        keys = setInterval(() => {
          if (!stream.open) return clearInterval(keys);
          const done = s.output.toString().includes('40 120') || ++presses > 60;
          stream.stdin(done ? '\x04' : '\r');
          if (done) clearInterval(keys);
        }, 500);
      }
    });
    clearInterval(keys);
    expect(seen.output.toString()).toContain('40 120');
  });

  it('keeps colours: output is a raw TTY stream', async () => {
    const r = await api.run(sessionA, "printf '\\033[31mred\\033[0m\\n'; [ -t 1 ] && echo tty");
    expect(r.text).toContain('\u001b[31mred\u001b[0m');
    expect(r.text).toContain('tty');
  });

  it('Stop ends `sleep 1000` quickly and leaves no process behind', async () => {
    const id = await api.startRun(sessionA, 'sleep 1000');
    await api.follow(id, 0, (stream, s) => {
      const running = s.messages.some((m) => (m.type === 'phase' && m.phase === 'ready') || (m.type === 'hello' && m.status === 'running'));
      if (running) stream.close();
    });
    for (let i = 0; i < 600 && (await api.info(id)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    const stopped = await api.stop(id);
    expect(stopped.status).toBe('exited');
    expect(stopped.exitCode).toBe(130);
    const ps = await api.run(sessionA, 'ps -eo args | grep -c "^sleep 1000" || true');
    expect(ps.text.trim()).toBe('0');
  });
});

describe('isolation between sessions', () => {
  it("session B does not see session A's containers, and deleting all of B's leaves A's", async () => {
    const a = await api.run(sessionA, 'docker run -d --name only-in-a ubuntu sleep 300 >/dev/null && docker ps -a --format "{{.Names}}"');
    expect(a.text).toContain('only-in-a');
    const b = await api.run(sessionB, 'docker ps -a --format "{{.Names}}"; echo end-of-list');
    expect(b.text).not.toContain('only-in-a');
    const rmAll = await api.run(sessionB, 'docker run -d ubuntu sleep 300 >/dev/null; docker rm -f $(docker ps -a -q)');
    expect(rmAll.exitCode, rmAll.text).toBe(0);
    const still = await api.run(sessionA, 'docker ps --format "{{.Names}}"');
    expect(still.text).toContain('only-in-a');
  });

  it('DELETE removes every container, network and volume labelled with the session', async () => {
    expect((await engine.listLabelled({ [LABELS.session]: sessionB })).containers.length).toBe(1);
    expect(await api.deleteSession(sessionB)).toBe(204);
    expect(await engine.listLabelled({ [LABELS.session]: sessionB })).toEqual({ containers: [], networks: [], volumes: [] });
    expect((await api.request('GET', `/api/sessions/${sessionB}/runs`)).status).toBe(404);
  });
});

describe('re-attaching to a run', () => {
  it('a client that disconnects mid-run and reconnects with since gets every byte exactly once', async () => {
    const id = await api.startRun(sessionA, 'for i in $(seq 1 40); do echo "line $i"; sleep 0.05; done');
    let first: Buffer = Buffer.alloc(0);
    await api.follow(id, 0, (stream, s) => {
      if (s.output.toString().includes('line 10')) {
        first = s.output;
        stream.close();
      }
    });
    const rest = await api.follow(id, first.length);
    expect(rest.messages[0]).toMatchObject({ type: 'hello', offset: first.length });
    const lines = Buffer.concat([first, rest.output]).toString().split(/\r?\n/).filter(Boolean);
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i + 1}`));
    const replay = await api.follow(id, 0);
    expect(replay.output.equals(Buffer.concat([first, rest.output]))).toBe(true);
    expect(replay.messages.at(-1)).toMatchObject({ type: 'exit', exitCode: 0 });
  });
});

describe('bad input', () => {
  it.each([
    ['unknown session', 'POST', '/api/sessions/00000000-0000-0000-0000-000000000000/runs', { command: 'true' }, 404],
    ['unknown run', 'GET', '/api/runs/00000000-0000-0000-0000-000000000000', undefined, 404],
    ['stop of an unknown run', 'POST', '/api/runs/nope/stop', undefined, 404],
    ['invalid JSON', 'POST', '/api/sessions/SESSION/runs', '{"command": ', 400],
    ['no command', 'POST', '/api/sessions/SESSION/runs', { cmd: 'ls' }, 400],
    ['empty command', 'POST', '/api/sessions/SESSION/runs', { command: '   ' }, 400],
    ['a command over 64 KiB', 'POST', '/api/sessions/SESSION/runs', { command: `echo ${'x'.repeat(65 * 1024)}` }, 413],
    ['a body far over the limit', 'POST', '/api/sessions/SESSION/runs', { command: 'x'.repeat(200 * 1024) }, 413],
    ['a bad size', 'POST', '/api/sessions/SESSION/runs', { command: 'true', cols: -1, rows: 5 }, 400],
  ])('%s gets %s and a message', async (_name, method, path, body, status) => {
    const r = await api.request(method, path.replace('SESSION', sessionA), body);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(/\w+/);
    expect((await api.request('GET', '/api/health')).status).toBe(200);
  });

  const RUNS = '/api/sessions/SESSION/runs';
  const FILES = '/api/sessions/SESSION/files';
  const TERMINAL = '/api/sessions/SESSION/terminal';
  it.each([
    // Bodies that are JSON but not an object.
    ['a run body of null', 'POST', RUNS, 'null', /JSON object/],
    ['a run body that is a number', 'POST', RUNS, '5', /JSON object/],
    ['a run body that is a string', 'POST', RUNS, '"echo hi"', /JSON object/],
    ['a run body that is a list', 'POST', RUNS, '[{"command": "echo hi"}]', /JSON object/],
    ['a file body of null', 'PUT', FILES, 'null', /JSON object/],
    ['a file body that is a list', 'PUT', FILES, '[]', /JSON object/],
    // Text that would not reach the shell as it was sent.
    ['a command holding NUL', 'POST', RUNS, { command: 'echo ok\u0000; touch /tmp/after-nul' }, /NUL/],
    ['a command that is only NUL', 'POST', RUNS, { command: '\u0000' }, /NUL/],
    ['a command with a lone high surrogate', 'POST', RUNS, '{"command": "echo \\ud83d"}', /Unicode/],
    ['a command with a lone low surrogate', 'POST', RUNS, '{"command": "echo \\ude00 ok"}', /Unicode/],
    ['file content with a lone surrogate', 'PUT', FILES, '{"path": "a.txt", "content": "x\\udc00"}', /Unicode/],
    // Paths outside the workspace, or not plain.
    ['a file path going up', 'PUT', FILES, { path: '../etc/passwd', content: 'x' }, /relative path/],
    ['a file path going up in the middle', 'PUT', FILES, { path: 'a/../../b', content: 'x' }, /relative path/],
    ['an absolute file path', 'PUT', FILES, { path: '/etc/passwd', content: 'x' }, /relative path/],
    ['a file path of a dot', 'PUT', FILES, { path: '.', content: 'x' }, /relative path/],
    ['a file path with an empty part', 'PUT', FILES, { path: 'a//b', content: 'x' }, /relative path/],
    ['a file path with a space', 'PUT', FILES, { path: 'my file', content: 'x' }, /relative path/],
    ['a file path with a newline', 'PUT', FILES, { path: 'a\nb', content: 'x' }, /relative path/],
    ['a file path of 201 characters', 'PUT', FILES, { path: 'a'.repeat(201), content: 'x' }, /relative path/],
    ['a file path that is not a string', 'PUT', FILES, { path: ['a'], content: 'x' }, /relative path/],
    ['file content that is not a string', 'PUT', FILES, { path: 'a.txt', content: { toString: 1 } }, /content/],
    ['file content over 1 MiB', 'PUT', FILES, { path: 'a.txt', content: 'x'.repeat(1024 * 1024 + 1) }, /1 MiB/],
    // The terminal's size is checked as a run's is.
    ['a terminal far too wide', 'POST', TERMINAL, { cols: 100_000, rows: 30 }, /cols and rows/],
    ['a terminal with cols alone', 'POST', TERMINAL, { cols: 80 }, /cols and rows/],
    ['a terminal with a size that is text', 'POST', TERMINAL, { cols: '80', rows: '24' }, /cols and rows/],
    ['a terminal body that is a number', 'POST', TERMINAL, '5', /JSON object/],
    ['a terminal body of null', 'POST', TERMINAL, 'null', /JSON object/],
    ['a terminal body that is a string', 'POST', TERMINAL, '"bash"', /JSON object/],
    ['a terminal body that is a list', 'POST', TERMINAL, '[80, 24]', /JSON object/],
  ])('%s is refused with 400 or 413 and says why', async (_name, method, path, body, message) => {
    const r = await api.request(method, path.replace('SESSION', sessionA), body);
    expect([400, 413], `status for ${_name}: ${JSON.stringify(r.body)}`).toContain(r.status);
    expect(r.body.error).toMatch(message);
    expect((await api.request('GET', '/api/health')).status).toBe(200);
  });

  it('a file of 1 MiB that JSON must escape (quotes, control characters) is written whole, NUL bytes included', async () => {
    const content = `${'"'.repeat(512 * 1024)}${'\u0001'.repeat(512 * 1024 - 2)}\u0000\n`;
    const r = await api.request('PUT', FILES.replace('SESSION', sessionA), { path: 'escaped.bin', content });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.bytes).toBe(1024 * 1024);
    // The route as Express also matches it (a trailing slash, another letter case) takes the same body.
    for (const route of [`${FILES}/`, FILES.replace('files', 'Files')]) {
      const again = await api.request('PUT', route.replace('SESSION', sessionA), { path: 'escaped.bin', content });
      expect({ route, status: again.status }).toEqual({ route, status: 200 });
    }
    const check = await api.run(sessionA, 'wc -c < escaped.bin; tr -d "\\"\\001\\n" < escaped.bin | od -An -c');
    expect(check.text).toMatch(/1048576/);
    expect(check.text).toMatch(/\\0/);
  });
});
