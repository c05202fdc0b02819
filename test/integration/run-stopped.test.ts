import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../server/protocol.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';

let app: AppServer;
let session: string;

beforeAll(async () => {
  await requireEngine();
  app = await startAppServer();
  session = await app.api.createSession();
});

afterAll(async () => {
  await app?.close();
});

/**
 * Starts `command`, waits for `marker` in its output, presses Stop; returns the run's end, its
 * output and how long Stop took to end it.
 */
async function stopAfter(on: AppServer, sessionId: string, command: string, marker: string) {
  const id = await on.api.startRun(sessionId, command);
  let armed!: () => void;
  const isArmed = new Promise<void>((r) => (armed = r));
  const followed = on.api.follow(id, 0, (_s, seen) => {
    if (seen.output.includes(marker)) armed();
  });
  await isArmed;
  const pressed = performance.now();
  const info = await on.api.stop(id);
  const text = (await followed).output.toString('utf8');
  return { info, text, ms: performance.now() - pressed };
}

describe('a run says whether it was stopped or ended by itself', () => {
  it('a stopped run: `stopped` on its exit message, in its info and in the runs of the session', async () => {
    const id = await app.api.startRun(session, 'echo started; sleep 120');
    const followed = app.api.follow(id);
    await expect.poll(async () => (await app.api.info(id)).status, { timeout: 120_000 }).toBe('running');
    const info = await app.api.stop(id);
    expect(info).toMatchObject({ status: 'exited', exitCode: 130, stopped: true });
    const exit = (await followed).messages.find((m) => m.type === 'exit') as Extract<ServerMessage, { type: 'exit' }> | undefined;
    expect(exit, 'the exit message of the stream').toMatchObject({ exitCode: 130, stopped: true });
    const listed = (await app.api.request('GET', `/api/sessions/${session}/runs`)).body as Array<{ id: string; stopped?: boolean }>;
    expect(listed.find((r) => r.id === id)?.stopped).toBe(true);
  });

  it('re-attaching to a stopped run that has finished replays its end with `stopped`', async () => {
    const id = await app.api.startRun(session, 'echo started; sleep 120');
    await expect.poll(async () => (await app.api.info(id)).status, { timeout: 120_000 }).toBe('running');
    expect(await app.api.stop(id)).toMatchObject({ status: 'exited', stopped: true });
    const replayed = await app.api.follow(id);
    const exit = replayed.messages.find((m) => m.type === 'exit');
    expect(exit, `the replayed end of a stopped run: ${JSON.stringify(replayed.messages)}`).toMatchObject({
      type: 'exit',
      exitCode: 130,
      stopped: true,
    });
    expect(replayed.closeCode).toBe(1000);
  });

  it('a run stopped before it started ends failed and `stopped`, live, in its info and when re-attached', async () => {
    // A new session: its sandbox takes a while to make, and Stop comes before the command starts.
    const fresh = await app.api.createSession();
    const id = await app.api.startRun(fresh, 'echo never');
    const followed = app.api.follow(id);
    const info = await app.api.stop(id);
    expect(info, `expected the run to be stopped before it started: ${JSON.stringify(info)}`).toMatchObject({
      status: 'failed',
      error: 'Stopped before it started.',
      stopped: true,
    });
    const live = (await followed).messages.find((m) => m.type === 'error');
    expect(live, 'the live end frame').toMatchObject({ type: 'error', ended: true, stopped: true });
    const replayed = (await app.api.follow(id)).messages.find((m) => m.type === 'error');
    expect(replayed, 'the replayed end frame').toMatchObject({ type: 'error', ended: true, stopped: true });
    await app.api.deleteSession(fresh);
  });

  it('a run killed by itself (137) is not marked stopped', async () => {
    const r = await app.api.run(session, 'kill -9 $$');
    expect(r.exitCode, r.text).toBe(137);
    expect(r.messages.find((m) => m.type === 'exit')).not.toHaveProperty('stopped');
    expect(await app.api.info(r.id)).not.toHaveProperty('stopped');
  });
});

describe('Stop with the default grace: SIGINT first, SIGKILL to whatever is left', () => {
  it.each([
    ['ignores INT', `trap '' INT; echo armed; while :; do sleep 0.1; done`],
    ['ignores INT while flooding its output', `trap '' INT; echo armed; yes`],
    ['ignores INT, TERM and HUP in a child too', `trap '' INT TERM HUP; echo armed; bash -c "trap '' INT TERM HUP; while :; do sleep 0.1; done"`],
  ])('a command that %s ends killed (137), stopped', async (_what, command) => {
    const { info } = await stopAfter(app, session, command, 'armed');
    expect(info).toMatchObject({ status: 'exited', exitCode: 137, stopped: true });
    expect((await app.api.run(session, 'echo after-stop')).text, 'the sandbox survives a killed run').toContain('after-stop');
  });

  // Processes outside the run's own process group but in its session: only the pass over /proc reaches them.
  it.each([
    ['a job in a process group of its own that ignores INT', `set -m; (trap '' INT; exec sleep 1001) & echo armed; wait`, 'sleep 1001'],
    [
      'a job in a process group of its own that handles INT and goes on',
      `set -m; bash -c "trap 'echo got-int' INT; while :; do sleep 0.1; done" rdn-handler-job & echo armed; wait`,
      'rdn-handler-job',
    ],
  ])('Stop ends %s, and nothing of the run is left', async (_what, command, left) => {
    const { info } = await stopAfter(app, session, command, 'armed');
    expect(info).toMatchObject({ stopped: true });
    // The run ends with its shell; what it left in its session gets the grace, then SIGKILL.
    const look = async () => (await app.api.run(session, `pgrep -f '${left}' >/dev/null && echo still-there || echo none-left`)).text.trim();
    await expect.poll(look, { timeout: 10_000, message: `a process of the stopped run (${left}) outlived Stop` }).toBe('none-left');
  });

  it('a reader who kills the stop channel still has Stop: the one-off helper takes over', async () => {
    const before = await app.api.run(session, 'pgrep -fc rdn-stop-channel');
    expect(before.text.trim(), 'the sandbox holds its stop channel once a run has started').toMatch(/^[1-9]/);
    await app.api.run(session, 'pkill -f rdn-stop-channel; true');
    const { info } = await stopAfter(app, session, `trap '' INT; echo armed; while :; do sleep 0.1; done`, 'armed');
    expect(info).toMatchObject({ status: 'exited', exitCode: 137, stopped: true });
  });

  it('a command that handles INT gets to run its handler: its clean-up output and its own exit code', async () => {
    const { info, text } = await stopAfter(app, session, `trap 'echo cleaned-up; exit 3' INT; echo armed; while :; do sleep 0.05; done`, 'armed');
    expect(info).toMatchObject({ status: 'exited', exitCode: 3, stopped: true });
    expect(text).toContain('cleaned-up');
  });
});

describe('Stop with a long grace (60 s): the grace serves programs that handle SIGINT, no one else', () => {
  const GRACE_MS = 60_000;
  let slow: AppServer;
  let slowSession: string;

  beforeAll(async () => {
    slow = await startAppServer({ STOP_GRACE_MS: String(GRACE_MS) });
    slowSession = await slow.api.createSession();
  });

  afterAll(async () => {
    await slow?.close();
  });

  // Bounded against unbounded: each of these would take the whole 60 s grace if Stop waited for it.
  it.each([
    ['ignores INT itself', `trap '' INT; echo armed; yes`],
    ['has a child that ignores INT and TERM', `bash -c "trap '' INT TERM; echo armed; yes"`],
  ])('a command that %s is killed without waiting for the grace', async (_what, command) => {
    const { info, ms } = await stopAfter(slow, slowSession, command, 'armed');
    expect(info).toMatchObject({ status: 'exited', exitCode: 137, stopped: true });
    expect(ms, `Stop took ${Math.round(ms)} ms; the grace is ${GRACE_MS} ms`).toBeLessThan(GRACE_MS / 2);
  });

  it('a command whose INT handler takes its time still gets to finish it', async () => {
    const { info } = await stopAfter(
      slow,
      slowSession,
      `trap 'sleep 2; echo cleaned-up; exit 3' INT; echo armed; while :; do sleep 0.05; done`,
      'armed',
    );
    expect(info, 'the handler ran to its own exit code, not SIGKILL').toMatchObject({ status: 'exited', exitCode: 3, stopped: true });
  });
});
