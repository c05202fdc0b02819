import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../server/docker/labels.ts';
import { runCommand } from '../support/compose-stack.ts';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { expectServerAlive } from '../support/server-alive.ts';

let app: AppServer | undefined;
let api: ApiClient;
let session: string;
let pid: number;

beforeAll(async () => {
  await requireEngine();
  app = await startAppServer({ SANDBOX_PIDS: '200', STOP_GRACE_MS: '1000' });
  api = app.api;
  pid = app.server.process.pid!;
  session = await api.createSession();
  expect((await api.run(session, 'docker pull -q ubuntu >/dev/null && echo ready')).text).toContain('ready');
});

afterAll(async () => {
  await app?.close();
});

/** Starts a run and waits until it prints `marker` (then lets it run on, with nobody watching). */
async function startAndWait(command: string, marker: string, timeoutMs?: number): Promise<string> {
  const r = await api.request('POST', `/api/sessions/${session}/runs`, { command, ...(timeoutMs ? { timeoutMs } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const id = r.body.id as string;
  const stream = api.stream(id);
  let seen = '';
  const printed = new Promise<void>((resolve, reject) => {
    stream.on('output', (bytes) => {
      seen += Buffer.from(bytes).toString('utf8');
      if (seen.includes(marker)) resolve();
    });
    stream.on('end', () => (seen.includes(marker) ? resolve() : reject(new Error(`the run ended before printing ${marker}: ${seen.slice(-500)}`))));
  });
  void stream.start();
  await printed;
  stream.close();
  return id;
}

/** How many processes the session's sandbox holds, as the engine counts them against its pids limit. */
async function sandboxPids(): Promise<number> {
  const ids = (await runCommand('docker', ['ps', '-q', '--filter', `label=${LABELS.session}=${session}`])).output.trim().split(/\s+/);
  const out = (await runCommand('docker', ['stats', '--no-stream', '--format', '{{.PIDs}}', ...ids])).output.trim();
  return Number.parseInt(out, 10) || 0;
}

/**
 * After a bomb, the session's sandbox (the one left, or the new one made when it was ended) has a
 * Docker engine that answers: a bomb at the pids limit can take the engine down with it.
 */
async function expectEngineAnswers(): Promise<void> {
  await expect
    .poll(async () => (await api.run(session, 'docker info --format "engine={{.ServerVersion}}"')).text, {
      timeout: 120_000,
      message: "the session's sandbox has no working Docker engine after the bomb",
    })
    .toMatch(/engine=\d/);
}

// A command that ignores INT, HUP and TERM and fills the sandbox's pids limit: no helper can start in it.
const BOMB = `trap "" INT HUP TERM; echo bomb-armed; while :; do (trap "" INT HUP TERM; exec sleep 1000) & done 2>/dev/null`;

describe('Stop and the run timeout end any run, whatever it traps, and say what happened', () => {
  it('a command that ignores INT is ended by the SIGKILL that follows, and the sandbox and its state survive', async () => {
    await api.run(session, 'export KEEP=kept');
    const id = await startAndWait('trap "" INT HUP TERM; echo trapping; while :; do sleep 0.2; done', 'trapping');
    const stopped = await api.stop(id);
    expect(stopped).toMatchObject({ status: 'exited', exitCode: 137, stopped: true });
    expect((await api.run(session, 'echo "KEEP=$KEEP"')).text).toContain('KEEP=kept');
    await expectServerAlive(app!.server, pid);
  });

  it.each(['1', '01', 'x'])(
    'a run that ignores INT and forges its pid file (%j): Stop signals no other process, ends the whole sandbox and says so; the next Run has a working engine',
    async (forged) => {
      const id = await startAndWait(
        `for f in /run/rdn/runs/*.pid; do echo '${forged}' >"$f"; done; trap '' INT; echo forged; while :; do sleep 0.2; done`,
        'forged',
      );
      await expect.poll(async () => (await api.info(id)).status, { timeout: 60_000 }).toBe('running');
      const stopped = await api.stop(id);
      // Believing "1" would have sent SIGINT and SIGKILL to every process of the sandbox's user (kill -- -1),
      // the inner engine included, and left a sandbox without an engine.
      expect(stopped.status, JSON.stringify(stopped)).toBe('failed');
      expect(stopped.error).toMatch(/the whole sandbox was ended/);
      const after = await api.run(session, 'docker info --format "engine={{.ServerVersion}}"');
      expect(after.text, 'the next Run has a working inner engine').toMatch(/engine=\d/);
    },
  );

  it('a fork bomb that traps INT/HUP at the pids limit: Stop ends it, and the next Run works', async () => {
    const id = await startAndWait(BOMB, 'bomb-armed');
    await expect.poll(() => sandboxPids(), { timeout: 60_000, message: 'the bomb fills the pids limit (200)' }).toBeGreaterThanOrEqual(195);
    const stopped = await api.stop(id);
    // The stop channel's SIGKILL to the run's process group is a bash builtin and often gets through even
    // at the limit; when nothing can act, the whole sandbox is ended, and the run says so.
    if (stopped.status === 'failed')
      expect(stopped.error).toMatch(
        /Stop was pressed, but the command ignored its signals or held every process slot, so the whole sandbox was ended/,
      );
    else expect(stopped).toMatchObject({ status: 'exited', exitCode: 137, stopped: true });
    const next = await api.run(session, 'echo alive-again');
    expect(next.text).toContain('alive-again');
    await expectEngineAnswers();
    expect(next.exitCode).toBe(0);
    await expectServerAlive(app!.server, pid);
  });

  it('the same bomb is ended by the run timeout, which says it was the timeout', async () => {
    const id = await startAndWait(BOMB, 'bomb-armed', 6000);
    const ws = api.open(id);
    await new Promise((r) => ws.on('close', r));
    const info = await api.info(id);
    expect(info.status).toBe('failed');
    // As with Stop: the SIGKILL to the run's session (bash builtins) often gets through even at the
    // limit; when nothing can act, the whole sandbox is ended. Either way the run says it was the timeout.
    expect(info.error).toMatch(/^Stopped after 6 s, the run timeout|reached its run timeout \(6 s\).*whole sandbox was ended/);
    expect((await api.run(session, 'echo alive-after-timeout')).text).toContain('alive-after-timeout');
    await expectEngineAnswers();
    await expectServerAlive(app!.server, pid);
  });

  it('a bomb inside a container of the inner engine: Stop ends the run, and the next Run works', async () => {
    const id = await startAndWait(`docker run --rm ubuntu bash -c '${BOMB.replace(/"/g, '\\"')}'`, 'bomb-armed');
    const stopped = await api.stop(id);
    expect(['exited', 'failed']).toContain(stopped.status);
    const next = await api.run(session, 'echo alive-after-inner');
    expect(next.text).toContain('alive-after-inner');
    await expectEngineAnswers();
    await expectServerAlive(app!.server, pid);
  });
});
