import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerMessage } from '../../server/protocol.ts';
import { Run } from '../../server/runs/run.ts';
import type { RunOptions } from '../../server/runs/run-options.ts';
import { StopChannels } from '../../server/runs/stop-channels.ts';
import { silentLogger } from '../../server/logger.ts';
import type { Phase } from '../../server/sandbox/session-sandbox.ts';
import { Session } from '../../server/sessions/session.ts';
import { fakeFactory, FakeSandbox, notRunning, recordingLogger, settle } from './fake-sandbox.ts';

const options = (o: Partial<RunOptions> = {}): RunOptions => ({
  id: 'run-1',
  sessionId: 'session-1',
  command: 'echo hi',
  timeoutMs: 0,
  outputLimit: 1024 * 1024,
  stopGraceMs: 2000,
  detachedGraceMs: 60_000,
  ...o,
});

/** The messages a run emits, as a watcher would get them. */
function messages(run: Run): ServerMessage[] {
  const seen: ServerMessage[] = [];
  run.on('message', (m) => seen.push(m));
  return seen;
}

describe('Run', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('streams the exec output into the transcript and ends with the exit code', async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const run = new Run(options());
    const seen = messages(run);
    void run.start(async () => sandbox);
    await settle();
    const exec = sandbox.runs[0]!;
    expect(run.status).toBe('running');
    exec.output.write('hello\r\n');
    exec.end(0);
    await run.ended;
    expect(run.transcript.readFrom(0).data.toString()).toBe('hello\r\n');
    expect(seen.at(-1)).toMatchObject({ type: 'exit', exitCode: 0 });
  });

  it('Stop before the exec exists: the run ends stopped and no command is started', async () => {
    const f = fakeFactory();
    f.hold(); // the sandbox is still being made
    const session = new Session('session-1', 'browser:a', f);
    const run = new Run(options());
    void run.start((onPhase) => session.sandbox(onPhase));
    await settle();
    expect(run.phase?.phase).toBe('creating-sandbox');
    const stopped = run.stop();
    f.release();
    const info = await stopped;
    expect(info).toMatchObject({ status: 'failed', stopped: true, error: 'Stopped before it started.' });
    expect(f.made[0]!.runs, 'an exec was started for a run stopped before it existed').toHaveLength(0);
  });

  it("Stop presses Ctrl-C in the run's terminal first, then signals the process session", async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const run = new Run(options());
    void run.start(async () => sandbox);
    await settle();
    const exec = sandbox.runs[0]!;
    const stopped = run.stop();
    await settle();
    expect(Buffer.concat(exec.typed).toString(), 'Ctrl-C was not written to the terminal').toBe('\x03');
    expect(sandbox.helpers.map((c) => c.join(' ')).join('\n'), 'the INT helper must still run').toMatch(/rdn_signal INT/);
    expect(await stopped).toMatchObject({ exitCode: 130, stopped: true });
  });

  it('Stop pressed again joins the first: one Ctrl-C, one stop helper, one answer', async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const run = new Run(options());
    void run.start(async () => sandbox);
    await settle();
    const [first, again] = [run.stop(), run.stop()];
    await settle();
    expect(Buffer.concat(sandbox.runs[0]!.typed).toString(), 'Ctrl-C typed into the terminal').toBe('\x03');
    expect(sandbox.helpers, 'stop helpers started').toHaveLength(1);
    expect(await again).toEqual(await first);
  });

  it("Stop of a later run goes through the sandbox's stop channel, opened by the first run: no new exec for it", async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const stopChannels = new StopChannels(silentLogger);
    const first = new Run(options({ id: 'run-1', stopChannels }));
    void first.start(async () => sandbox);
    await settle();
    // The channel opens once a run has gone a moment (300 ms).
    await vi.advanceTimersByTimeAsync(300);
    sandbox.runs[0]!.end(0);
    await first.ended;
    const second = new Run(options({ id: 'run-2', stopChannels }));
    void second.start(async () => sandbox);
    await settle();
    const execsBefore = sandbox.execs.length;
    expect(await second.stop()).toMatchObject({ exitCode: 130, stopped: true });
    expect(sandbox.execs.length, 'Stop started an exec although the channel was open').toBe(execsBefore);
    expect(sandbox.helpers.map((c) => c.slice(0, 2).join(' '))).toEqual(['rdn-stop-channel run-2']);
  });

  it('a run that ends at once opens no stop channel, and a Stop in its first moment takes the one-off helper', async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const stopChannels = new StopChannels(silentLogger);
    const quick = new Run(options({ id: 'run-1', stopChannels }));
    void quick.start(async () => sandbox);
    await settle();
    sandbox.runs[0]!.end(0);
    await quick.ended;
    await vi.advanceTimersByTimeAsync(1000);
    expect(sandbox.execs.filter((e) => e.opts.cmd.includes('rdn-stop-channel')).length, 'stop channels opened').toBe(0);
    const stopped = new Run(options({ id: 'run-2', stopChannels }));
    void stopped.start(async () => sandbox);
    await settle();
    expect(await stopped.stop()).toMatchObject({ exitCode: 130, stopped: true });
    expect(sandbox.helpers.map((c) => c.join(' ')).join('\n')).toMatch(/rdn_stop_run run-2 \d+$/);
  });

  it('a stop channel that ended (its shell killed by the reader): Stop falls back to the one-off helper', async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const stopChannels = new StopChannels(silentLogger);
    const run = new Run(options({ stopChannels }));
    void run.start(async () => sandbox);
    await settle();
    await vi.advanceTimersByTimeAsync(300);
    const channel = sandbox.execs.find((e) => e.opts.cmd.includes('rdn-stop-channel'));
    expect(channel, 'the first run opens the stop channel').toBeDefined();
    channel!.end(143);
    await settle();
    expect(await run.stop()).toMatchObject({ exitCode: 130, stopped: true });
    expect(sandbox.helpers.map((c) => c.join(' ')).join('\n')).toMatch(/^\/bin\/bash -c .*rdn_stop_run\(\).*rdn_stop_run run-1 \d+$/);
  });

  it("a resize that lands before the wrapper's own stty is applied again with the first output", async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const run = new Run(options());
    run.resize(100, 30);
    void run.start(async () => sandbox);
    await settle();
    const exec = sandbox.runs[0]!;
    expect(exec.opts.env?.join(' ')).toContain('RDN_COLS=100');
    run.resize(120, 40); // reaches the TTY, then the wrapper's stty (slow to start) sets 100x30 again
    await settle();
    expect(exec.sizes).toEqual([{ cols: 120, rows: 40 }]);
    exec.output.write('first output\r\n');
    await settle();
    expect(exec.sizes, 'the latest size was not applied again after the wrapper started the command').toEqual([
      { cols: 120, rows: 40 },
      { cols: 120, rows: 40 },
    ]);
    exec.output.write('more\r\n');
    await settle();
    expect(exec.sizes, 'only the first output re-applies the size').toHaveLength(2);
    exec.end(0);
    await run.ended;
  });

  it('resizes faster than the engine answers: one in flight, then only the latest; none piles up', async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const run = new Run(options());
    void run.start(async () => sandbox);
    await settle();
    const exec = sandbox.runs[0]!;
    let answer!: () => void;
    exec.resizeGate = new Promise<void>((r) => (answer = r));
    for (let i = 0; i < 10_000; i++) run.resize(20 + (i % 400), 10 + (i % 200));
    await settle();
    expect(exec.sizes, 'the engine is asked once while its answer is outstanding').toEqual([{ cols: 20, rows: 10 }]);
    exec.resizeGate = undefined;
    answer();
    await settle();
    expect(exec.sizes, 'then only the latest size, not the 9,998 in between').toEqual([
      { cols: 20, rows: 10 },
      { cols: 20 + (9_999 % 400), rows: 10 + (9_999 % 200) },
    ]);
    run.resize(80, 24);
    await settle();
    expect(exec.sizes.at(-1), 'a later resize still goes through').toEqual({ cols: 80, rows: 24 });
    exec.end(0);
    await run.ended;
  });

  it('a resize the engine refuses does not stop the next one', async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const run = new Run(options());
    void run.start(async () => sandbox);
    await settle();
    const exec = sandbox.runs[0]!;
    let refuse!: (err: Error) => void;
    exec.resizeGate = new Promise<void>((_, reject) => (refuse = reject));
    run.resize(100, 30);
    run.resize(110, 35);
    await settle();
    exec.resizeGate = undefined;
    refuse(new Error('(HTTP code 500) resize failed'));
    await settle();
    expect(exec.sizes).toEqual([
      { cols: 100, rows: 30 },
      { cols: 110, rows: 35 },
    ]);
    exec.end(0);
    await run.ended;
  });

  it('the detach grace: a run nobody watches is stopped after it, one that is watched is not', async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const run = new Run(options({ detachedGraceMs: 60_000 }));
    void run.start(async () => sandbox);
    await settle();
    run.attach();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(run.finished, 'a watched run was stopped').toBe(false);
    run.detach();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(run.finished, 'stopped before the grace was over').toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await run.ended;
    expect(run.info()).toMatchObject({ status: 'exited', exitCode: 130, stopped: true });
    expect(
      sandbox.helpers.map((c) => c.join(' ')).some((c) => c.includes('kill -INT')),
      'Stop sends SIGINT first',
    ).toBe(true);
  });

  it('a run that is never started still ends when its detach timer fires (Stop does not wait forever)', async () => {
    const run = new Run(options({ detachedGraceMs: 1000 }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(run.finished, 'the detach timer fired; the run should have ended').toBe(true);
    const info = await Promise.race([run.stop(), new Promise((r) => setTimeout(() => r('still waiting'), 5000))]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(info).toMatchObject({ status: 'failed', stopped: true });
  });

  it('a dead sandbox found when the exec starts (409) is replaced; phases say so and "ready" waits for the exec', async () => {
    const f = fakeFactory();
    const session = new Session('session-1', 'browser:a', f);
    // A first run makes the sandbox; it then dies between two runs, unseen.
    await session.sandbox(() => undefined);
    await session.sandbox(() => undefined); // a second run: the session now trusts its look for a second
    const first = f.made[0]!;
    first.alive = false;
    const run = new Run(options());
    const seen = messages(run);
    const phases: Array<Phase | undefined> = [];
    run.on('message', () => phases.push(run.phase && { ...run.phase }));
    // The session trusted its recent look: the exec is what finds the sandbox gone.
    const exec = vi.spyOn(first, 'exec').mockRejectedValueOnce(notRunning());
    void run.start(
      (onPhase) => session.sandbox(onPhase),
      () => session.sandboxLost(),
    );
    await settle();
    expect(exec).toHaveBeenCalledOnce();
    const second = f.made[1];
    expect(second, 'no new sandbox was made').toBeDefined();
    const phaseMessages = seen.filter((m) => m.type === 'phase');
    expect(phaseMessages.map((m) => m.phase)).toEqual(['replacing-sandbox', 'creating-sandbox', 'starting-engine', 'ready']);
    expect(phaseMessages.at(-1), '"ready" is announced once, when the command runs').toMatchObject({ message: 'Running' });
    expect(
      phases.slice(0, 3).map((p) => p?.phase),
      'the run keeps its latest phase for watchers that attach meanwhile',
    ).toEqual(['replacing-sandbox', 'creating-sandbox', 'starting-engine']);
    expect(second!.runs).toHaveLength(1);
    second!.runs[0]!.end(0);
    await run.ended;
    expect(run.info()).toMatchObject({ status: 'exited', exitCode: 0 });
  });

  it('Stop while the exec is being started waits for it: Ctrl-C into its terminal, then the helper; the sandbox is kept', async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    // The engine is slow to start the exec (a loaded host): longer than the stop helper's look for a pid file.
    let startExec!: () => void;
    const gate = new Promise<void>((r) => (startExec = r));
    const exec = sandbox.exec.bind(sandbox);
    sandbox.exec = async (o) => {
      if (o.tty) await gate;
      return exec(o);
    };
    const run = new Run(options());
    void run.start(async () => sandbox);
    await settle();
    const stopped = run.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sandbox.helpers, 'a stop helper went out before the exec existed (it finds no pid file and gives up)').toHaveLength(0);
    expect(sandbox.alive, 'the sandbox was ended for a run that had not begun').toBe(true);
    startExec();
    await settle();
    expect(Buffer.concat(sandbox.runs[0]!.typed).toString(), 'Ctrl-C typed into the new terminal').toBe('\x03');
    expect(await stopped).toMatchObject({ status: 'exited', exitCode: 130, stopped: true });
    expect(sandbox.alive).toBe(true);
  });

  it('Stop while a lost sandbox is being replaced: the command never starts in the new one', async () => {
    const f = fakeFactory();
    const session = new Session('session-1', 'browser:a', f);
    await session.sandbox(() => undefined);
    await session.sandbox(() => undefined); // the session now trusts its recent look
    const first = f.made[0]!;
    first.alive = false;
    vi.spyOn(first, 'exec').mockRejectedValueOnce(notRunning());
    f.hold(); // the replacement takes a while to make
    const run = new Run(options());
    void run.start(
      (onPhase) => session.sandbox(onPhase),
      () => session.sandboxLost(),
    );
    await settle();
    expect(run.phase?.phase).toBe('creating-sandbox');
    const stopped = run.stop();
    await vi.advanceTimersByTimeAsync(1000);
    f.release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await stopped).toMatchObject({ status: 'failed', stopped: true, error: 'Stopped before it started.' });
    expect(f.made[1]?.runs ?? [], 'the command started in the replacement sandbox').toHaveLength(0);
  });

  it('a Stop under way when the run timeout comes stays a Stop (not a timeout failure)', async () => {
    // The command takes a moment to leave after its INT (a clean-up): the timeout fires meanwhile.
    const sandbox = new FakeSandbox('session-1', 1, { helper: async () => ({ output: '', exitCode: 0 }) });
    const run = new Run(options({ timeoutMs: 5000 }));
    void run.start(async () => sandbox);
    await settle();
    await vi.advanceTimersByTimeAsync(4000);
    const stopped = run.stop();
    await vi.advanceTimersByTimeAsync(2000);
    sandbox.runs[0]!.end(130);
    expect(await stopped).toMatchObject({ status: 'exited', exitCode: 130, stopped: true });
  });

  it("closed for the server's own reason (shutdown, an ended login): stopped as a Stop is, but it fails with that reason", async () => {
    const sandbox = new FakeSandbox('session-1', 1);
    const run = new Run(options());
    const seen = messages(run);
    void run.start(async () => sandbox);
    await settle();
    const info = await run.close('The server shut down.');
    expect(Buffer.concat(sandbox.runs[0]!.typed).toString(), 'Ctrl-C typed, as for a Stop').toBe('\x03');
    expect(info).toMatchObject({ status: 'failed', error: 'The server shut down.', exitCode: 130 });
    expect(info.stopped, 'not a Stop the reader pressed').toBeUndefined();
    expect(seen.at(-1)).toEqual({ type: 'error', message: 'The server shut down.', ended: true });
    // Before its command started, the same reason.
    const f = fakeFactory();
    f.hold();
    const session = new Session('session-2', 'browser:a', f);
    const early = new Run(options({ id: 'run-2', sessionId: 'session-2' }));
    void early.start((onPhase) => session.sandbox(onPhase));
    await settle();
    const closing = early.close('The server shut down.');
    f.release();
    expect(await closing).toMatchObject({ status: 'failed', error: 'The server shut down.' });
  });

  it('a sandbox that Stop could not kill is logged with the run', async () => {
    const logger = recordingLogger();
    // Signals do nothing (a trapping command): Stop ends up killing the sandbox, which fails.
    const sandbox = new FakeSandbox('session-1', 1, { helper: async () => ({ output: '', exitCode: 0 }) });
    sandbox.kill = async () => {
      throw new Error('engine gone');
    };
    const run = new Run(options({ logger: logger.child({ run: 'run-1' }) }));
    void run.start(async () => sandbox);
    await settle();
    const stopped = run.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(logger.lines).toEqual(['Warning: Stop could not kill the sandbox of a run that ignored its signals: engine gone [run=run-1]']);
    sandbox.runs[0]!.end(137);
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;
  });

  describe("the engine cannot start the run's shell (its exit code 126 is not the command's)", () => {
    const reason = 'OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer: unknown';

    it('in a sandbox that is still there: the run fails with a way out, the reason stays in its output, no exit code', async () => {
      const sandbox = new FakeSandbox('session-1', 1);
      const run = new Run(options());
      const seen = messages(run);
      void run.start(async () => sandbox);
      await settle();
      sandbox.runs[0]!.notStarted(reason);
      await vi.advanceTimersByTimeAsync(3000);
      await run.ended;
      expect(run.info()).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/^The sandbox could not start this run's shell .*Restart session/),
      });
      expect(run.exitCode, 'an exit code for a command that never ran').toBeUndefined();
      expect(
        seen.some((m) => m.type === 'exit'),
        `messages: ${JSON.stringify(seen)}`,
      ).toBe(false);
      expect(run.transcript.readFrom(0).data.toString()).toContain(reason);
    });

    it('in a sandbox that is being stopped: the run says the sandbox stopped', async () => {
      const sandbox = new FakeSandbox('session-1', 1);
      const run = new Run(options());
      void run.start(async () => sandbox);
      await settle();
      sandbox.runs[0]!.notStarted(reason);
      // The container is reported gone a moment after the exec failed.
      await vi.advanceTimersByTimeAsync(500);
      sandbox.alive = false;
      await vi.advanceTimersByTimeAsync(3000);
      await run.ended;
      expect(run.info()).toMatchObject({ status: 'failed', error: expect.stringMatching(/^The sandbox stopped during the run/) });
    });

    it('in a sandbox whose cluster node stops answering: the run names the node, even while the container still looks alive', async () => {
      const sandbox = new FakeSandbox('session-1', 1);
      sandbox.nodeDown = "The sandbox's node node-3 is not reachable; Run again to get a new sandbox on another node.";
      const run = new Run(options());
      void run.start(async () => sandbox);
      await settle();
      sandbox.runs[0]!.notStarted(reason);
      await vi.advanceTimersByTimeAsync(3000);
      await run.ended;
      expect(run.info()).toMatchObject({ status: 'failed', error: sandbox.nodeDown });
    });

    it('a command that exits 126 or 127 itself ends with that code, the sandbox untouched', async () => {
      for (const code of [126, 127]) {
        const sandbox = new FakeSandbox('session-1', 1);
        const run = new Run(options());
        void run.start(async () => sandbox);
        await settle();
        sandbox.runs[0]!.end(code);
        await run.ended;
        expect(run.info(), `a command's own exit ${code}`).toMatchObject({ status: 'exited', exitCode: code });
        expect(sandbox.alive).toBe(true);
      }
    });
  });
});
