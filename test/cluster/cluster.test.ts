import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeMirrors } from '../../server/cluster/node-mirrors.ts';
import { LABELS } from '../../server/docker/labels.ts';
import { retryUntil } from '../../server/retry-until.ts';
import { ApiClient } from '../support/api-client.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { startTestCluster, type TestCluster } from '../support/test-cluster.ts';

// One cluster and one server for the whole file, in order: each test builds on the sessions the
// ones before it made. Two sandboxes per node, six in all at most: three nested engines on this host are heavy.
let cluster: TestCluster;
let app: AppServer;
/** The API of the server restarted mid-test (same token, same instance). */
let restartedApi: ApiClient;
const sessions: string[] = [];

/** Which node holds each of the instance's sandboxes, asked of every node's own engine (the label is the mapping). */
async function sandboxesByNode(instance: string, names = cluster.nodes.map((n) => n.name)): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const node = cluster.node(name);
    const found = await node.engine.listLabelled({ [LABELS.instance]: instance, [LABELS.role]: 'sandbox' });
    out[name] = [];
    for (const id of found.containers) {
      const info = await node.engine.containerLabels(id);
      out[name].push(info[LABELS.session] ?? '?');
      expect(info[LABELS.node], `the node label of ${id.slice(0, 12)} on ${name}`).toBe(node.swarmId);
    }
  }
  return out;
}

/** The `library/` repositories a node's registry mirror holds: a listing of its storage, through an exec in it. */
async function mirrorHolds(nodeName: string): Promise<string> {
  const exec = await cluster.node(nodeName).engine.exec(NodeMirrors.containerOf(app.instance), {
    cmd: ['ls', '/var/lib/registry/docker/registry/v2/repositories/library'],
    env: [],
    tty: false,
    stdin: false,
  });
  let out = '';
  exec.output.on('data', (c: Buffer) => {
    out += c.toString();
  });
  await new Promise((resolve) => exec.output.on('end', resolve));
  return out;
}

const nodeOf = (byNode: Record<string, string[]>, session: string) => Object.entries(byNode).find(([, s]) => s.includes(session))?.[0];

beforeAll(async () => {
  cluster = await startTestCluster({ capacity: 2 });
  app = await startAppServer({ ...cluster.env, MAX_SESSIONS: '50', MAX_SESSIONS_PER_USER: '50' });
}, 900_000);

afterAll(async () => {
  await app?.server.stop();
  await cluster?.close();
});

describe('sandboxes spread over a three-node Docker Swarm', () => {
  it('sessions spread over the three nodes, and a run on each node streams its output', async () => {
    for (let i = 0; i < 3; i++) sessions.push(await app.api.createSession());
    const runs = await Promise.all(
      sessions.map((s, i) => app.api.run(s, `echo "run $((${i} + 1)) streams"; docker version --format '{{.Server.Version}}'`)),
    );
    runs.forEach((r, i) => {
      expect(r.text, `run ${i + 1}'s output`).toContain(`run ${i + 1} streams`);
      expect(r.exitCode, `run ${i + 1}'s exit code (output: ${r.text})`).toBe(0);
    });
    const byNode = await sandboxesByNode(app.instance);
    expect(
      Object.values(byNode).map((s) => s.length),
      `sandboxes per node: ${JSON.stringify(byNode)}`,
    ).toEqual([1, 1, 1]);
  });

  it("a sandbox on a node pulls ubuntu through its node's mirror, and a sandbox on a second node through that node's own", async () => {
    const byNode = await sandboxesByNode(app.instance);
    const pulling = [sessions[0]!, sessions[1]!];
    const pullNodes = pulling.map((s) => nodeOf(byNode, s));
    const idle = cluster.nodes.map((n) => n.name).find((n) => !pullNodes.includes(n))!;
    expect(new Set(pullNodes).size, `the nodes of the two sessions: ${JSON.stringify(byNode)}`).toBe(2);
    // The nodes reach no registry but their mirrors: the upstream is the host's mirror, on the cluster's network only.
    const runs = await Promise.all(pulling.map((s) => app.api.run(s, 'docker run --rm ubuntu echo hello')));
    runs.forEach((r, i) => {
      expect(r.exitCode, `docker run ubuntu on ${pullNodes[i]} (output: ${r.text})`).toBe(0);
      expect(r.text, `docker run ubuntu on ${pullNodes[i]}`).toContain('hello');
    });
    for (const name of pullNodes) expect(await mirrorHolds(name!), `the repositories the mirror on ${name} holds`).toMatch(/^ubuntu$/m);
    // The third node made its mirror for its sandbox but pulled nothing: each node's cache holds only its own pulls.
    expect(await mirrorHolds(idle), `the repositories the mirror on ${idle} holds`).not.toMatch(/ubuntu/);
  });

  it("ending a session detaches its node's mirror from the session network, so the manager removes that network", async () => {
    // Two more sessions: on node 1 (the manager, which sees its own endpoints) and on node 2, a worker,
    // whose endpoints the manager cannot see: only the node's engine can detach its mirror there.
    const extra = [await app.api.createSession(), await app.api.createSession()];
    for (const s of extra) expect((await app.api.run(s, 'echo placed')).exitCode).toBe(0);
    const byNode = await sandboxesByNode(app.instance);
    expect(
      extra.map((s) => nodeOf(byNode, s)),
      `sandboxes per node: ${JSON.stringify(byNode)}`,
    ).toEqual(['rdn-node-1', 'rdn-node-2']);
    for (const s of extra) expect(await app.api.deleteSession(s), `DELETE /api/sessions/${s.slice(0, 8)}…`).toBe(204);
    for (const s of extra) {
      await expect
        .poll(async () => (await cluster.manager.engine.listLabelled({ [LABELS.session]: s })).networks, {
          timeout: 15_000,
          message: `the manager's networks of ended session ${s.slice(0, 8)} (on ${nodeOf(byNode, s)})`,
        })
        .toEqual([]);
    }
  });

  it('a port link reaches a program listening in a sandbox on another node', async () => {
    const session = sessions[1]!;
    const serve =
      "perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalAddr=>q(127.0.0.1),LocalPort=>8080,Listen=>5,ReuseAddr=>1) or die $!; print qq(listening\\n); " +
      "while($c=$s->accept){ while(defined($l=<$c>) && $l ne qq(\\r\\n)){} print $c qq(HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nhello from a sandbox on a cluster node\\n); close $c }'";
    await app.api.startRun(session, serve);
    const url = `${app.server.url}/ports/${session}/8080/`;
    let last = '';
    const answer = await retryUntil(
      async () => {
        const r = await fetch(url, { headers: { Authorization: `Bearer ${app.token}` } });
        const body = await r.text();
        last = `${r.status} ${body}`;
        return r.status === 200 ? body : undefined;
      },
      { timeoutMs: 30_000, delayMs: 300 },
    );
    expect(answer, `GET ${url}, last answer: ${last}`).toBe('hello from a sandbox on a cluster node\n');
    const nothing = await fetch(`${app.server.url}/ports/${session}/8081/`, { headers: { Authorization: `Bearer ${app.token}` } });
    expect(nothing.status, 'a port nothing listens on').toBe(502);
    expect(await nothing.text()).toMatch(/Nothing answers on port 8081/);
  });

  it('a drained node gets no new sandbox: new sessions go to the other nodes', async () => {
    await cluster.setAvailability('rdn-node-2', 'drain');
    const fresh = [await app.api.createSession(), await app.api.createSession()];
    for (const s of fresh) expect((await app.api.run(s, 'echo placed')).text).toContain('placed');
    sessions.push(...fresh);
    const byNode = await sandboxesByNode(app.instance);
    expect(byNode['rdn-node-2'], `sandboxes per node: ${JSON.stringify(byNode)}`).toHaveLength(1);
    for (const s of fresh) expect(nodeOf(byNode, s), `the node of a session made while rdn-node-2 was drained`).not.toBe('rdn-node-2');
    await cluster.setAvailability('rdn-node-2', 'active');
  });

  it("stopping a node's container fails its sessions' runs with the node's name, and their next Run succeeds on another node", async () => {
    const byNode = await sandboxesByNode(app.instance);
    const victim = byNode['rdn-node-3']![0]!;
    const runId = await app.api.startRun(victim, 'echo started; sleep 600');
    const followed = app.api.follow(runId);
    await expect.poll(async () => (await app.api.info(runId)).status, { timeout: 60_000 }).toBe('running');
    await cluster.stopNode('rdn-node-3');
    const seen = await followed;
    const error = seen.messages.find((m) => m.type === 'error') as { message: string } | undefined;
    expect(error?.message, `the run's end: ${JSON.stringify(seen.messages)}`).toBe(
      "The sandbox's node rdn-node-3 is not reachable; Run again to get a new sandbox on another node.",
    );
    const again = await app.api.run(victim, 'echo "back on another node"');
    expect(again.text, `the next Run: ${JSON.stringify(again.messages)}`).toContain('back on another node');
    expect(again.exitCode).toBe(0);
    const after = await sandboxesByNode(app.instance, ['rdn-node-1', 'rdn-node-2']);
    expect(nodeOf(after, victim), `sandboxes per node: ${JSON.stringify(after)}`).toBe('rdn-node-2');
  });

  it('a server restarted after a crash finds every session on its node and removes it, and names the node that is down', async () => {
    const { instance, token } = app;
    const before = await sandboxesByNode(instance, ['rdn-node-1', 'rdn-node-2']);
    // Two on each live node: the drained test's two went to nodes 1 and 3, and of node 3's two, one came back on node 2.
    expect(
      Object.values(before).map((s) => s.length),
      `sandboxes per node: ${JSON.stringify(before)}`,
    ).toEqual([2, 2]);
    app.server.process.kill('SIGKILL');
    await new Promise((r) => app.server.process.once('exit', r));
    // The same instance and token: the restarted server is the one that crashed, as far as its objects go.
    app = await startAppServer({ ...cluster.env, INSTANCE: instance, TOKEN: token });
    // Four sandboxes and the registry mirrors of nodes 1 and 2 (labelled with the instance too).
    expect(app.server.output()).toMatch(/Removed what an earlier run left: 6 containers, \d+ networks, 4 volumes/);
    expect(app.server.output()).toMatch(/cluster nodes rdn-node-3 did not answer/);
    expect(await sandboxesByNode(instance, ['rdn-node-1', 'rdn-node-2'])).toEqual({ 'rdn-node-1': [], 'rdn-node-2': [] });
    restartedApi = new ApiClient(app.server.url, token);
    const s = await restartedApi.createSession();
    expect((await restartedApi.run(s, 'echo after the restart')).text).toContain('after the restart');
  });

  it('when the live nodes have no room left, a new session waits in the queue', async () => {
    // Nodes 1 and 2 hold two each and node 3 is down: room for 4 sessions, one of which exists.
    const answers: number[] = [];
    await expect
      .poll(
        async () => {
          const r = await restartedApi.request('POST', '/api/sessions');
          answers.push(r.status);
          return r.status;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(202);
    expect(answers.filter((a) => a === 201).length, `answers to POST /api/sessions: ${answers.join(', ')}`).toBe(3);
  });

  it('the teardown leaves no container, volume, network or key folder behind', async () => {
    await app.server.stop();
    const tlsDir = cluster.tlsDir;
    await cluster.close();
    const left = await cluster.leftovers();
    expect(left, 'objects labelled as the test cluster').toEqual({ containers: [], networks: [], volumes: [] });
    expect(fs.existsSync(tlsDir), `${tlsDir} exists`).toBe(false);
  });
});
