import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../server/docker/engine.ts';
import { LABELS } from '../../server/docker/labels.ts';
import type { Inventory, SessionMessage } from '../../server/protocol.ts';
import { SHUTDOWN_MESSAGE } from '../../server/sessions/session-store.ts';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import type { StartedServer } from '../support/server.ts';

let engine: Engine;
let server: StartedServer;
let api: ApiClient;
let instance: string;
let session: string;

beforeAll(async () => {
  ({ engine } = await requireEngine());
  ({ server, api, instance } = await startAppServer());
  session = await api.createSession();
});

/** Servers a test started: stopped even when the test fails. */
const after: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const stop of after) await stop().catch(() => undefined);
  await server?.stop();
  if (engine && instance) await engine.removeLabelled({ [LABELS.instance]: instance });
});

/** Follows a session's events feed, keeping every inventory it receives. */
function watchInventory(sessionId: string) {
  const ws = new WebSocket(`${api.url.replace(/^http/, 'ws')}/api/sessions/${sessionId}/events`, {
    headers: { Authorization: `Bearer ${api.token}` },
  });
  const seen: Array<{ at: number; inventory: Inventory }> = [];
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as SessionMessage;
    if (m.type === 'inventory') seen.push({ at: Date.now(), inventory: m.inventory });
  });
  const opened = new Promise((r) => ws.on('open', r));
  const until = async (pred: (i: Inventory) => boolean) => {
    for (let i = 0; i < 2400; i++) {
      const hit = seen.find((s) => pred(s.inventory));
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the inventory never matched; last: ${JSON.stringify(seen.at(-1)?.inventory.containers)}`);
  };
  return { ws, seen, opened, until };
}

describe('state carries between blocks like a kernel', () => {
  it('working directory, exported variables, functions and aliases reach the next block', async () => {
    const first = await api.run(session, 'cd /tmp && export X=1 && f(){ echo fn; } && alias hi="echo alias-ok"');
    expect(first.exitCode).toBe(0);
    const next = await api.run(session, 'pwd; echo $X; f; hi');
    expect(next.text.split(/\r?\n/).filter(Boolean)).toEqual(['/tmp', '1', 'fn', 'alias-ok']);
  });

  it('keeps the exit code of the block while saving its state', async () => {
    expect((await api.run(session, 'export Y=2; exit 5')).exitCode).toBe(5);
    expect((await api.run(session, 'echo "Y=$Y"')).text).toContain('Y=2');
  });

  // Each save is a new file, ended by a mark line; a load takes the newest whole one (session-shell.ts).
  describe('the state files', () => {
    let own: string;
    beforeAll(async () => {
      own = await api.createSession();
    });
    afterAll(async () => {
      await api.deleteSession(own);
    });
    // The names of the state files, from a block that leaves without a save of its own.
    const names = async () =>
      (await api.run(own, 'cd /run/rdn/state && echo [0-9]*.sh; trap - EXIT')).text
        .trim()
        .split(/\s+/)
        .filter((n) => n !== '[0-9]*.sh');

    it('a save cut short (no end mark) is skipped: the next block loads the last whole state', async () => {
      await api.run(own, 'cd /tmp && export WHOLE=1');
      // What a save killed half-way leaves, newer than any, from a block that then leaves without its
      // own save (which would be newer still): as a shell killed in its EXIT trap.
      await api.run(own, `printf 'export WHOLE=half\\ncd /etc\\n' >/run/rdn/state/4000000000000000.1.sh; trap - EXIT`);
      expect(await names(), 'the state files before the next block').toContain('4000000000000000.1.sh');
      const next = await api.run(own, 'pwd; echo "WHOLE=$WHOLE"');
      expect(next.text.split(/\r?\n/).filter(Boolean), 'the block after a save cut short').toEqual(['/tmp', 'WHOLE=1']);
    });

    it('saves go past the newest name, so a clock that stepped back loses nothing', async () => {
      // A whole state named far in the future stands for saves made before the clock went back.
      await api.run(own, `printf 'export EARLIER=1\\n# rdn-state-end\\n' >/run/rdn/state/5000000000000000.1.sh`);
      await api.run(own, 'export LATER=2');
      const next = await api.run(own, 'echo "EARLIER=$EARLIER LATER=$LATER"');
      expect(next.text, 'the block after a save named by a clock behind the newest file').toContain('LATER=2');
    });

    it('the folder keeps only what the next load needs, however many blocks ran', async () => {
      for (let i = 0; i < 8; i++) await api.run(own, `export N${i}=${i}`);
      // Older files are removed in the background after each save; the newest whole one always stays.
      await expect.poll(async () => (await names()).length, { timeout: 10_000, message: 'state files left after 8 blocks' }).toBeLessThanOrEqual(2);
      expect((await api.run(own, 'echo "$N0$N7"')).text).toContain('07');
    });
  });

  it('a restarted session (delete, then a new one) starts clean', async () => {
    const fresh = await api.createSession();
    const r = await api.run(fresh, 'pwd; echo "X=[$X]"; type f >/dev/null 2>&1 && echo has-f || echo no-f');
    expect(r.text.split(/\r?\n/).filter(Boolean)).toEqual(['/workspace', 'X=[]', 'no-f']);
    expect(await api.deleteSession(fresh)).toBe(204);
  });

  it('the free terminal shares the state both ways and completes docker commands on Tab', async () => {
    const id = (await api.request('POST', `/api/sessions/${session}/terminal`, { cols: 100, rows: 30 })).body.id as string;
    let step = 0;
    const seen = await api.follow(id, 0, (stream, s) => {
      const text = s.output.toString();
      if (step === 0 && /[#$] $/.test(text)) {
        step = 1;
        stream.stdin('echo "in terminal: $PWD $X"; cd /etc; export Z=3\r');
      } else if (step === 1 && /Z=3\r?\n.*[#$] $/s.test(text)) {
        step = 2;
        stream.stdin('docker ver\t');
      } else if (step === 2 && text.includes('docker version')) {
        step = 3;
        stream.stdin(' --format ok\rexit\r');
      }
    });
    const out = seen.output.toString();
    expect(out).toContain('in terminal: /tmp 1');
    expect(out).toContain('docker version');
    const after = await api.run(session, 'pwd; echo "Z=$Z"');
    expect(after.text).toContain('/etc');
    expect(after.text).toContain('Z=3');
    await api.run(session, 'cd /workspace');
  });
});

describe('timeouts and cancel', () => {
  it('Ctrl-C typed into the pane reaches the foreground process', async () => {
    const id = await api.startRun(session, 'echo started; sleep 100; echo not-reached');
    let keys: NodeJS.Timeout | undefined;
    const seen = await api.follow(id, 0, (stream, s) => {
      // Once the command is past its first line, Ctrl-C must interrupt the sleep. A key that lands while
      // bash is still forking `sleep` is lost in any terminal, so press it again (as a person would) until the run ends.
      if (!keys && s.output.toString().includes('started')) {
        const press = () => stream.stdin(Uint8Array.of(3));
        press();
        keys = setInterval(press, 500);
        void stream.closed.then(() => clearInterval(keys));
      }
    });
    expect(seen.messages.at(-1)).toMatchObject({ type: 'exit', exitCode: 130 });
    expect(seen.output.toString()).not.toContain('not-reached');
  });

  it('a run past its timeout is stopped and says why', async () => {
    const r = await api.request('POST', `/api/sessions/${session}/runs`, { command: 'sleep 100', timeoutMs: 1500 });
    const seen = await api.follow(r.body.id);
    const err = seen.messages.find((m) => m.type === 'error') as { message: string };
    expect(err.message).toMatch(/run timeout/);
    expect(await api.info(r.body.id)).toMatchObject({ status: 'failed', exitCode: 130 });
  });

  it('lists the runs of a session with their blocks, for re-attaching after a reload', async () => {
    const r = await api.request('POST', `/api/sessions/${session}/runs`, { command: 'echo tagged', block: '/example-commands#3' });
    await api.follow(r.body.id);
    const list = (await api.request('GET', `/api/sessions/${session}/runs`)).body as Array<{ id: string; block?: string }>;
    expect(list.find((x) => x.id === r.body.id)).toMatchObject({ block: '/example-commands#3', status: 'exited' });
  });
});

describe('the session panel feed and published ports', () => {
  it('lists a container created by `docker run -d` and drops it when it is removed', async () => {
    const feed = watchInventory(session);
    await feed.opened;
    await api.run(session, 'docker run -d --name panel-probe ubuntu sleep 300');
    const created = Date.now();
    const hit = await feed.until((i) => i.containers.some((c) => c.name === 'panel-probe' && c.state === 'running'));
    console.log(`panel listed the container ${Math.max(0, hit.at - created)} ms after \`docker run -d\` returned`);
    await api.run(session, 'docker rm -f panel-probe');
    await feed.until((i) => !i.containers.some((c) => c.name === 'panel-probe'));
    feed.ws.close();
  });

  it("the panel's feed follows the engine again after its event stream ended (the reader killed it)", async () => {
    await api.run(session, 'true'); // the session has a sandbox
    const feed = watchInventory(session);
    await feed.opened;
    await feed.until(() => true);
    // The feed reads the engine's events with a curl in the sandbox, which the reader may end.
    const killed = await api.run(session, 'pkill -f "http://d/events"; echo "pkill=$?"');
    expect(killed.text, 'no event stream was running to end').toContain('pkill=0');
    await api.run(session, 'docker run -d --name after-feed-ended ubuntu sleep 300');
    await feed.until((i) => i.containers.some((c) => c.name === 'after-feed-ended'));
    await api.run(session, 'docker rm -f after-feed-ended');
    await feed.until((i) => !i.containers.some((c) => c.name === 'after-feed-ended'));
    feed.ws.close();
  });

  it("serves a published port's page under /ports/<session>/<port>/ with the API's auth", async () => {
    const feed = watchInventory(session);
    await feed.opened;
    const r = await api.run(
      session,
      'mkdir -p site && echo "<h1>served from the sandbox</h1>" > site/index.html && docker run -d --name web -p 4000:80 -v "$PWD/site:/srv" -w /srv python:3.12-slim python3 -m http.server 80',
    );
    expect(r.exitCode, r.text).toBe(0);
    const hit = await feed.until((i) => i.containers.some((c) => c.name === 'web' && c.ports.some((p) => p.hostPort === 4000)));
    expect(hit.inventory.containers.find((c) => c.name === 'web')!.ports).toEqual([{ hostPort: 4000, containerPort: 80 }]);
    let page = { status: 0, body: '' };
    for (let i = 0; i < 300 && page.status !== 200; i++) {
      const res = await api.request('GET', `/ports/${session}/4000/`);
      page = { status: res.status, body: String(res.body) };
      if (page.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(page.status).toBe(200);
    expect(page.body).toContain('served from the sandbox');
    const anonymous = await fetch(`${api.url}/ports/${session}/4000/`);
    expect(anonymous.status).toBe(401);
    const redirect = await fetch(`${api.url}/ports/${session}/4000`, { headers: { Authorization: `Bearer ${api.token}` }, redirect: 'manual' });
    expect(redirect.status).toBe(308);
    const closed = await api.request('GET', `/ports/${session}/4999/`);
    expect(closed.status).toBe(502);
    expect(closed.body.error).toMatch(/Nothing answers on port 4999/);
    feed.ws.close();
  });
});

describe('faults are visible, never silent', () => {
  it('a sandbox killed from outside ends the run as failed; the next Run gets a new sandbox and is told', async () => {
    const victim = await api.createSession();
    await api.run(victim, 'export KEPT=yes');
    const id = await api.startRun(victim, 'sleep 100');
    const watching = api.follow(id);
    for (let i = 0; i < 600 && (await api.info(id)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    const [container] = (await engine.listLabelled({ [LABELS.session]: victim })).containers;
    execFileSync('docker', ['kill', container!]);
    const seen = await watching;
    const err = seen.messages.find((m) => m.type === 'error') as { message: string } | undefined;
    expect(err?.message).toMatch(/sandbox stopped/);
    expect(await api.info(id)).toMatchObject({ status: 'failed' });
    const next = await api.run(victim, 'echo "KEPT=[$KEPT]"');
    const notice = next.messages.find((m) => m.type === 'phase' && m.phase === 'replacing-sandbox') as { message: string } | undefined;
    expect(notice?.message).toMatch(/files, containers and variables are gone/);
    expect(next.text).toContain('KEPT=[]');
    expect(next.exitCode).toBe(0);
    await api.deleteSession(victim);
  });

  it('Stop while a lost sandbox is being replaced: the command never starts in the new one, and Stop answers', async () => {
    const victim = await api.createSession();
    // Two Runs: the session then trusts its look at the sandbox for a second.
    await api.run(victim, 'true');
    await api.run(victim, 'true');
    const [container] = (await engine.listLabelled({ [LABELS.session]: victim })).containers;
    // Within a second of the last look: the Run's exec finds it gone (409) and a new one is made.
    execFileSync('docker', ['kill', container!]);
    const id = await api.startRun(victim, 'echo STARTED; sleep 120');
    let replacing!: () => void;
    const isReplacing = new Promise<void>((r) => (replacing = r));
    const followed = api.follow(id, 0, (_s, seen) => {
      if (seen.messages.some((m) => m.type === 'phase' && m.phase === 'creating-sandbox')) replacing();
    });
    await isReplacing;
    const info = await api.stop(id);
    expect(info, `the run, as Stop answered it: ${JSON.stringify(info)}`).toMatchObject({
      status: 'failed',
      stopped: true,
      error: 'Stopped before it started.',
    });
    const seen = await followed;
    expect(seen.output.toString('utf8'), 'the command ran after Stop').not.toContain('STARTED');
    // The replacement sandbox is the session's, and a later Run works in it.
    const next = await api.run(victim, 'echo after');
    expect(next.exitCode).toBe(0);
    expect(next.text).toContain('after');
    await api.deleteSession(victim);
  });

  // Killed or removed while idle, the sandbox is found gone by the look before the next Run (or,
  // within a second of the last look, by the Run's exec: 409 when stopped, 404 when removed), and
  // that Run gets a new sandbox and says that the earlier state is gone.
  for (const [how, act] of [
    ['killed', (c: string) => execFileSync('docker', ['kill', c])],
    ['removed', (c: string) => execFileSync('docker', ['rm', '-f', c])],
  ] as const) {
    it(`a sandbox ${how} from outside while idle: the next Run gets a new sandbox and is told`, async () => {
      const victim = await api.createSession();
      await api.run(victim, 'export KEPT=yes');
      const [container] = (await engine.listLabelled({ [LABELS.session]: victim })).containers;
      act(container!);
      const next = await api.run(victim, 'echo "KEPT=[$KEPT]"');
      const notice = next.messages.find((m) => m.type === 'phase' && m.phase === 'replacing-sandbox') as { message: string } | undefined;
      expect(notice?.message, `the next Run's messages: ${JSON.stringify(next.messages)}`).toMatch(/files, containers and variables are gone/);
      expect(next.text).toContain('KEPT=[]');
      expect(next.exitCode).toBe(0);
      await api.deleteSession(victim);
    });
  }

  it('a server shut down during a run tells the run\'s watcher why (not "Stopped"), before its socket closes', async () => {
    const own = await startAppServer();
    after.push(() => own.server.stop());
    const s = await own.api.createSession();
    const id = await own.api.startRun(s, 'echo started; sleep 600');
    let armed!: () => void;
    const isArmed = new Promise<void>((r) => (armed = r));
    const followed = own.api.follow(id, 0, (_s, seen) => {
      if (seen.output.includes('started')) armed();
    });
    await isArmed;
    const stopping = own.server.stop();
    const seen = await followed;
    await stopping;
    const end = seen.messages.find((m) => m.type === 'error' || m.type === 'exit');
    expect(end, `the run's end as its watcher saw it: ${JSON.stringify(seen.messages)}`).toMatchObject({
      type: 'error',
      ended: true,
      message: SHUTDOWN_MESSAGE,
    });
    expect(end).not.toHaveProperty('stopped');
    expect(seen.closeCode).toBe(4000);
  });

  it('kill -9 of the server, then a restart, leaves no unmanaged labelled object', async () => {
    const crashing = await startAppServer();
    after.push(() => crashing.server.stop());
    const s = await crashing.api.createSession();
    await crashing.api.run(s, 'docker run -d ubuntu sleep 300');
    expect((await engine.listLabelled({ [LABELS.instance]: crashing.instance })).containers.length).toBe(1);
    crashing.server.process.kill('SIGKILL');
    await new Promise((r) => crashing.server.process.once('exit', r));
    const restarted = await startAppServer({ INSTANCE: crashing.instance, TOKEN: crashing.token });
    after.push(() => restarted.server.stop());
    expect(restarted.server.output()).toMatch(/Removed what an earlier run left: 1 containers, 1 networks, 1 volumes/);
    expect(await engine.listLabelled({ [LABELS.instance]: crashing.instance })).toEqual({ containers: [], networks: [], volumes: [] });
    await restarted.server.stop();
  });

  it('an idle session is removed with its sandbox after the idle time', async () => {
    // Idle long enough that the Run and the first look below come well inside it on a loaded machine
    // (at 1.5 s, a fresh machine's CI saw the session already gone at the first look).
    const short = await startAppServer({ SESSION_IDLE_MS: '8000' });
    after.push(() => short.server.stop());
    const s = await short.api.createSession();
    await short.api.run(s, 'true');
    // Watch through /api/health only: any call on the session itself would count as using it.
    const sessions = async () => (await short.api.request('GET', '/api/health')).body.sessions as number;
    expect(await sessions()).toBe(1);
    for (let i = 0; i < 300 && (await sessions()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await sessions()).toBe(0);
    expect((await short.api.request('GET', `/api/sessions/${s}/runs`)).status).toBe(404);
    const left = async () => (await engine.listLabelled({ [LABELS.session]: s })).containers;
    for (let i = 0; i < 600 && (await left()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await left()).toEqual([]);
    for (let i = 0; i < 600 && !/Removed session/.test(short.server.output()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(short.server.output()).toMatch(/Removed session \w+, idle for \d+ s/);
    await short.server.stop();
  });
});
