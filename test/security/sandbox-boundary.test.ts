import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import type { Engine } from '../../server/docker/engine.ts';
import { LABELS } from '../../server/docker/labels.ts';
import { requireEngine } from '../support/engine.ts';
import { authRegistry } from '../support/registry.ts';

// What a reader's Run can reach of the host, probed from the three places a reader's code runs:
// the run itself, a container of the sandbox's engine, and a --privileged one. Positive controls
// in the same session show the probes do not pass by breaking the sandbox.

let app: AppServer | undefined;
let engine: Engine;
let api: ApiClient;
let session: string;

/** The host's root disk as major:minor (the disk itself when / is not on a block device). */
function hostRootDisk(): string {
  const root = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === '/');
  const dev = root?.split(' ')[2];
  if (dev && !dev.startsWith('0:')) return dev;
  const disk = fs
    .readFileSync('/proc/partitions', 'utf8')
    .split('\n')
    .slice(2)
    .find((l) => l.trim());
  const [major, minor] = disk!.trim().split(/\s+/);
  return `${major}:${minor}`;
}

/** Prints one "key: value" line per probe; run with bash wherever the reader's code runs. */
const PROBE = (disk: string) => `
echo "uid: $(id -u)"
echo "uid_map: $(tr -s ' ' </proc/self/uid_map | sed 's/^ //' | paste -sd';')"
echo "capeff: $(awk '/^CapEff/{print $2}' /proc/self/status)"
# Writable and on a cgroup file system (a container's own tmpfs at /sys/fs/cgroup is not the host's).
w=$(find /sys/fs/cgroup -writable -exec stat -fc '%T %n' {} + 2>/dev/null | awk '$1 ~ /cgroup/ {print $2}' | head -n 5 | paste -sd' ')
echo "cgroup_writable: \${w:-none}"
if mknod /tmp/rdn-disk b ${disk.replace(':', ' ')} 2>/dev/null; then
  if head -c1 /tmp/rdn-disk >/dev/null 2>&1; then echo "disk: read"; else echo "disk: node-made"; fi
  rm -f /tmp/rdn-disk
else echo "disk: refused"; fi
# init_module(2) with an empty image: EPERM (1) when the caller may not load modules at all.
echo "init_module_errno: $(perl -e 'my $p = ""; syscall(175, 0, 0, $p); print $!+0')"
[ -w /proc/sys/kernel/modprobe ] && echo "modprobe_sysctl: writable" || echo "modprobe_sysctl: read-only"
mkdir -p /tmp/rdn-m
m=""
mount -t cgroup -o memory none /tmp/rdn-m 2>/dev/null && { m="$m cgroup-v1"; umount /tmp/rdn-m; }
mount -o remount,rw /sys/fs/cgroup 2>/dev/null && m="$m cgroup-rw"
mount -t ext4 -o ro /dev/vda /tmp/rdn-m 2>/dev/null && { m="$m disk"; umount /tmp/rdn-m; }
echo "mounted: \${m:-none}"
echo "probe: done"
`;

function parse(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^(\w+): (.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** Every claim of the boundary, for one context's probe output. */
function expectBoundaryHeld(where: string, text: string) {
  const p = parse(text);
  const say = (what: string) => `${where}: ${what}; the probe printed:\n${text}`;
  expect(p.probe, say('the probe ran to its end')).toBe('done');
  expect(p.cgroup_writable, say('no file of the host cgroup hierarchy is writable')).toBe('none');
  expect(p.disk, say('a block device node of the host root disk cannot be made')).toBe('refused');
  // EPERM: the caller may not load modules; ENOSYS: this kernel loads none, for anyone (root on the host too).
  expect(['1', '38'], say('init_module is refused (EPERM, or ENOSYS on a kernel without modules)')).toContain(p.init_module_errno);
  expect(p.modprobe_sysctl, say('the modprobe helper path cannot be changed')).toBe('read-only');
  expect(p.mounted, say('nothing host-backed can be mounted')).toBe('none');
  const identity = /^0 0 4294967295$/.test(p.uid_map ?? '');
  if (p.uid === '0') expect(identity, say('root is root only in a user namespace (uid_map is not the identity)')).toBe(false);
  if (identity) expect(p.capeff, say('a process in the initial user namespace holds no capability')).toBe('0000000000000000');
}

beforeAll(async () => {
  ({ engine } = await requireEngine());
  ({ api } = app = await startAppServer());
  session = await api.createSession();
  const probe = await api.request('PUT', `/api/sessions/${session}/files`, { path: 'probe.sh', content: PROBE(hostRootDisk()) });
  expect(probe.status, JSON.stringify(probe.body)).toBe(200);
  const warm = await api.run(session, 'docker pull -q ubuntu >/dev/null && echo pulled');
  expect(warm.text, 'ubuntu pulls through the mirror').toContain('pulled');
}, 180_000);

afterAll(async () => {
  await app?.close();
});

describe("a reader's run cannot reach the host", () => {
  it('from the run itself: an unprivileged user, no capability, no host cgroup file', async () => {
    const r = await api.run(session, 'bash /workspace/probe.sh');
    expectBoundaryHeld('the run', r.text);
    const p = parse(r.text);
    expect(p.uid, `the run is not root; it printed:\n${r.text}`).not.toBe('0');
  });

  it('from `docker run --rm ubuntu`: root only in a user namespace', async () => {
    const r = await api.run(session, 'docker run --rm -v /workspace:/w ubuntu bash /w/probe.sh');
    expect(r.exitCode, r.text).toBe(0);
    expectBoundaryHeld('docker run', r.text);
    expect(parse(r.text).uid, r.text).toBe('0');
  });

  it('from `docker run --rm --privileged ubuntu`: refused, or held like the others', async () => {
    const r = await api.run(session, 'docker run --rm --privileged -v /workspace:/w ubuntu bash /w/probe.sh');
    if (r.exitCode !== 0) {
      // The rootless engine cannot give a container the host's sysfs: the container never starts.
      // (Refused for another reason, such as a kernel that refuses the capabilities, proves nothing.)
      expect(r.text, `a --privileged container is refused for its sysfs; it printed:\n${r.text}`).toMatch(/sysfs/i);
      expect(r.text).not.toContain('probe: done');
    } else {
      expectBoundaryHeld('docker run --privileged', r.text);
    }
  });
});

/** A session's sandbox address and its network's gateway (the host's side), from the engine. */
async function addressOf(sessionId: string): Promise<{ ip: string; gateway: string }> {
  const [id] = (await engine.listLabelled({ [LABELS.session]: sessionId })).containers;
  const net = Object.values((await engine.containerState(id!)).networks)[0]!;
  return { ip: net.address!, gateway: net.gateway! };
}

describe("another session's sandbox and the server's API stay out of reach", () => {
  it("a run reaches neither another sandbox's published port nor the notes server", async () => {
    const other = await api.createSession();
    const web = await api.run(other, 'docker run -d -p 4000:80 python:3.12-slim python3 -m http.server 80 >/dev/null && echo started');
    expect(web.text, web.text).toContain('started');
    // Positive control: the other sandbox's port answers through its own port link.
    let link = 0;
    for (let i = 0; i < 100 && link !== 200; i++) {
      link = (await api.request('GET', `/ports/${other}/4000/`)).status;
      if (link !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(link, "the other session's port link").toBe(200);
    const target = await addressOf(other);
    const mine = await addressOf(session);
    const port = new URL(api.url).port;
    const r = await api.run(
      session,
      `curl -s -o /dev/null -m 3 http://${target.ip}:4000/ && echo "other: reached" || echo "other: unreachable"; ` +
        `curl -s -o /dev/null -m 3 http://${mine.gateway}:${port}/api/health && echo "server: reached" || echo "server: unreachable"`,
    );
    expect(r.text, `from session ${session} to ${target.ip}:4000 and ${mine.gateway}:${port}`).toContain('other: unreachable');
    expect(r.text).toContain('server: unreachable');
    await api.deleteSession(other);
  });
});

describe('positive controls: the same session still does what the notes need', () => {
  it('docker build and docker run work', async () => {
    const file = await api.request('PUT', `/api/sessions/${session}/files`, {
      path: 'boundary/Dockerfile',
      content: 'FROM ubuntu\nRUN echo built-in-layer >/built.txt\nCMD ["cat", "/built.txt"]\n',
    });
    expect(file.status).toBe(200);
    const r = await api.run(session, 'docker build -q -t boundary-probe boundary >/dev/null && docker run --rm boundary-probe');
    expect(r.exitCode, r.text).toBe(0);
    expect(r.text).toContain('built-in-layer');
  });

  it('a -p 4000:80 container is served through its port link', async () => {
    const r = await api.run(
      session,
      'docker run -d --name boundary-web -p 4000:80 python:3.12-slim python3 -m http.server 80 >/dev/null && echo started',
    );
    expect(r.text, r.text).toContain('started');
    let page = { status: 0, body: '' };
    for (let i = 0; i < 100 && page.status !== 200; i++) {
      const res = await api.request('GET', `/ports/${session}/4000/`);
      page = { status: res.status, body: String(res.body) };
      if (page.status !== 200) await new Promise((res2) => setTimeout(res2, 100));
    }
    expect(page.status, `the port link answered ${page.status}: ${page.body.slice(0, 200)}`).toBe(200);
    expect(page.body).toContain('Directory listing');
    await api.run(session, 'docker rm -f boundary-web');
  });

  it('login, push and pull against the auth registry', async () => {
    const reg = authRegistry();
    const image = `registry-auth:5000/notes/boundary:${Date.now().toString(36)}`; // the local auth registry, the default $REGISTRY
    const r = await api.run(
      session,
      `echo '${reg.password}' | docker login -u '${reg.user}' --password-stdin "$REGISTRY" >/dev/null && ` +
        `docker tag ubuntu ${image} && docker push -q ${image} >/dev/null && docker rmi ${image} >/dev/null && ` +
        `docker pull -q ${image} >/dev/null && docker run --rm ${image} echo pulled-back`,
    );
    expect(r.exitCode, r.text).toBe(0);
    expect(r.text).toContain('pulled-back');
  });

  it('Stop ends a running command', async () => {
    const id = await api.startRun(session, 'sleep 1000');
    await new Promise((res) => setTimeout(res, 500));
    const stopped = await api.stop(id);
    expect(stopped.status, JSON.stringify(stopped)).toBe('exited');
    const left = await api.run(session, "pgrep -fx 'sleep 1000' || echo none");
    expect(left.text).toContain('none');
  });
});
