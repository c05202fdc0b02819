import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../server/protocol.ts';
import { EVENTS_COMMAND, humanSize, parseSnapshot, SNAPSHOT_COMMAND } from '../../server/sessions/inventory-snapshot.ts';
import { SessionInventory } from '../../server/sessions/session-inventory.ts';
import { FakeSandbox } from './fake-sandbox.ts';

/** The snapshot helper's output: each body, then a line with the record separator. */
const output = (...bodies: string[]) => bodies.map((b) => `${b}\n\n\x1e\n`).join('');
const snapshot = (parts: { containers?: unknown; images?: unknown; networks?: unknown; volumes?: unknown }) =>
  output(
    JSON.stringify(parts.containers ?? []),
    JSON.stringify(parts.images ?? []),
    JSON.stringify(parts.networks ?? []),
    JSON.stringify(parts.volumes ?? { Volumes: [], Warnings: null }),
  );

// Trimmed from a sandbox engine's answers (Docker 20.10, API 1.41): `docker run -d --name web -p 4000:80 ...`.
const web = {
  Id: '0628ade97632a0be78c8869017cfabcc4bb6b1d09348430a64c94137e757e04d',
  Names: ['/web'],
  Image: 'python:3.12-slim',
  ImageID: 'sha256:e3743c73bded',
  Command: 'python3 -m http.server 80',
  Ports: [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 4000, Type: 'tcp' },
    { IP: '::', PrivatePort: 80, PublicPort: 4000, Type: 'tcp' },
  ],
  Labels: {},
  State: 'running',
  Status: 'Up 2 seconds',
  HostConfig: { NetworkMode: 'default' },
};
const done = { ...web, Id: '05d76d72654c', Names: ['/done'], Image: 'ubuntu', Ports: [], State: 'exited', Status: 'Exited (0) 1 second ago' };
const ubuntu = {
  Containers: -1,
  Id: 'sha256:c9804257071be8b06d3480d176dbec2d31b201260813d23d1f51e2b4ccaf4238',
  ParentId: '',
  RepoDigests: ['ubuntu@sha256:13266a3c105d65ecb389e1fd5c04d2a94dc0b7fa9f9dbc6647fefc9c1ad3e7a2'],
  RepoTags: ['ubuntu:latest'],
  SharedSize: -1,
  Size: 119294811,
  VirtualSize: 119294811,
};
const bridge = { Name: 'bridge', Id: 'efd27dd7535c', Scope: 'local', Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.199.0.0/24' }] } };
const volume = {
  CreatedAt: '2026-12-01T04:55:37Z',
  Driver: 'local',
  Labels: {},
  Mountpoint: '/home/rdn/.local/share/docker/volumes/v1/_data',
  Name: 'v1',
};

describe('the engine snapshot', () => {
  it('is one curl of the four lists on the engine socket, and the events feed one more', () => {
    const script = SNAPSHOT_COMMAND.at(-1)!;
    expect(SNAPSHOT_COMMAND[0]).toBe('/bin/bash');
    expect(script.match(/\/usr\/bin\/curl/g)).toHaveLength(1);
    expect(script).toContain('--fail-early');
    expect(script).toContain('--unix-socket "$s"');
    expect(script).toContain("'http://d/containers/json?all=1' 'http://d/images/json' 'http://d/networks' 'http://d/volumes'");
    expect(EVENTS_COMMAND.at(-1)).toMatch(/\/usr\/bin\/curl -sSN --unix-socket "\$s" http:\/\/d\/events$/);
  });

  it("turns the engine's answers into the panel's containers, images, networks and volumes", () => {
    const inv = parseSnapshot(
      snapshot({ containers: [done, web], images: [ubuntu], networks: [bridge], volumes: { Volumes: [volume], Warnings: null } }),
    );
    expect(inv).toEqual({
      containers: [
        { id: '05d76d72654c', name: 'done', image: 'ubuntu', state: 'exited', status: 'Exited (0) 1 second ago', ports: [] },
        {
          id: web.Id,
          name: 'web',
          image: 'python:3.12-slim',
          state: 'running',
          status: 'Up 2 seconds',
          ports: [{ hostPort: 4000, containerPort: 80 }],
        },
      ],
      images: [{ id: ubuntu.Id, repository: 'ubuntu', tag: 'latest', size: '119MB' }],
      networks: [{ id: 'efd27dd7535c', name: 'bridge', driver: 'bridge' }],
      volumes: [{ name: 'v1', driver: 'local' }],
    } satisfies Inventory);
  });

  it('lists published TCP ports once each, by host port, and joins several names as the CLI does', () => {
    const c = {
      ...web,
      Names: ['/linked/alias', '/web'],
      Ports: [
        { IP: '0.0.0.0', PrivatePort: 443, PublicPort: 8443, Type: 'tcp' },
        { IP: '::', PrivatePort: 443, PublicPort: 8443, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 4000, Type: 'tcp' },
        { IP: '127.0.0.1', PrivatePort: 53, PublicPort: 5353, Type: 'udp' },
        { PrivatePort: 9000, Type: 'tcp' },
      ],
    };
    const [container] = parseSnapshot(snapshot({ containers: [c] })).containers;
    expect(container?.name).toBe('linked/alias,web');
    expect(container?.ports).toEqual([
      { hostPort: 4000, containerPort: 80 },
      { hostPort: 8443, containerPort: 443 },
    ]);
  });

  it('gives an image one row per tag, its digest repository when untagged, and <none> when it has neither', () => {
    const images = [
      { ...ubuntu, RepoTags: ['ubuntu:latest', 'localhost:5000/team/ubuntu:22.04'] },
      { ...ubuntu, Id: 'sha256:dangling', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] },
      { ...ubuntu, Id: 'sha256:untagged', RepoTags: null, RepoDigests: ['python@sha256:abc'] },
      { ...ubuntu, Id: 'sha256:bare', RepoTags: [], RepoDigests: null },
    ];
    const rows = parseSnapshot(snapshot({ images })).images.map((i) => `${i.repository} ${i.tag}`);
    expect(rows).toEqual(['ubuntu latest', 'localhost:5000/team/ubuntu 22.04', '<none> <none>', 'python <none>', '<none> <none>']);
  });

  it("gives sizes in the docker CLI's decimal units", () => {
    const sizes = [0, 999, 1000, 512_000, 119_294_811, 1_234_567_890, 999_999, 5e12];
    expect(sizes.map(humanSize)).toEqual(['0B', '999B', '1kB', '512kB', '119MB', '1.23GB', '1MB', '5TB']);
  });

  it('lists networks and volumes by name, as the CLI does', () => {
    const inv = parseSnapshot(
      snapshot({
        networks: [bridge, { ...bridge, Name: 'none', Driver: 'null' }, { ...bridge, Name: 'host', Driver: 'host' }],
        volumes: {
          Volumes: [
            { ...volume, Name: 'b' },
            { ...volume, Name: 'a' },
          ],
        },
      }),
    );
    expect(inv.networks.map((n) => n.name)).toEqual(['bridge', 'host', 'none']);
    expect(inv.volumes.map((v) => v.name)).toEqual(['a', 'b']);
  });

  it('reads a null volume list (an engine with none) as empty', () => {
    expect(parseSnapshot(snapshot({ volumes: { Volumes: null, Warnings: null } })).volumes).toEqual([]);
  });
});

describe('a hostile engine snapshot', () => {
  const refused = (text: string) => expect(() => parseSnapshot(text)).toThrow();

  it('is refused when a field has the wrong type', () => {
    refused(snapshot({ containers: [{ ...web, Names: '/web' }] }));
    refused(snapshot({ containers: [{ ...web, State: 1 }] }));
    refused(snapshot({ containers: [{ ...web, Ports: [{ PrivatePort: '80', PublicPort: 4000, Type: 'tcp' }] }] }));
    refused(snapshot({ images: [{ ...ubuntu, Size: '119MB' }] }));
    refused(snapshot({ images: [{ ...ubuntu, RepoTags: [1] }] }));
    refused(snapshot({ networks: [{ ...bridge, Name: { evil: true } }] }));
    refused(snapshot({ volumes: [volume] }));
    refused(snapshot({ containers: { 0: web } }));
  });

  it('is refused when a number is not a finite integer in range', () => {
    refused(snapshot({ containers: [{ ...web, Ports: [{ PrivatePort: 80, PublicPort: 70000, Type: 'tcp' }] }] }));
    refused(snapshot({ containers: [{ ...web, Ports: [{ PrivatePort: 0, PublicPort: 4000, Type: 'tcp' }] }] }));
    refused(snapshot({ containers: [{ ...web, Ports: [{ PrivatePort: 80.5, PublicPort: 4000, Type: 'tcp' }] }] }));
    refused(snapshot({ images: [{ ...ubuntu, Size: -1 }] }));
    refused(snapshot({ images: [{ ...ubuntu, Size: 2 ** 60 }] }));
    // JSON has no Infinity, but a number too large for a double parses as one.
    refused(output('[]', JSON.stringify([ubuntu]).replace('119294811,', '1e400,'), '[]', '{"Volumes":[]}'));
  });

  it('is refused when a body is missing, extra, or not JSON', () => {
    refused(output('[]', '[]', '[]'));
    refused(output('[]', '[]', '[]', '{"Volumes":[]}', '[]'));
    refused(`${output('[]', '[]', '[]')}{"Volumes":[]}`);
    refused(output('[]', '[{"Id":', '[]', '{"Volumes":[]}'));
    refused(output('[]', '', '[]', '{"Volumes":[]}'));
    refused('');
  });

  it('is refused when a raw control character is in a body, and loses the escaped ones it carries', () => {
    refused(output('[]', '["a\x1eb"]', '[]', '{"Volumes":[]}'));
    refused(output(`[${JSON.stringify(web).replace('"/web"', '"/w\x1be"')}]`, '[]', '[]', '{"Volumes":[]}'));
    const escaped = parseSnapshot(snapshot({ containers: [{ ...web, Names: ['/w\x1b[31me\x00b'], Status: 'Up\r\n2 seconds\x7f' }] }));
    expect(escaped.containers[0]).toMatchObject({ name: 'w[31meb', status: 'Up2 seconds' });
  });

  it('has its strings cut', () => {
    const long = 'x'.repeat(100_000);
    const inv = parseSnapshot(
      snapshot({
        containers: [{ ...web, Names: Array.from({ length: 50 }, () => `/${'n'.repeat(200)}`), Image: long, Status: long }],
        images: [{ ...ubuntu, RepoTags: [`${long}:${long}`] }],
        networks: [{ ...bridge, Name: long }],
        volumes: { Volumes: [{ ...volume, Driver: long }] },
      }),
    );
    expect(inv.containers[0]?.name).toHaveLength(256);
    expect(inv.images[0]?.repository).toHaveLength(256);
    const strings = JSON.stringify(inv).match(/"[^"]*"/g) ?? [];
    expect(Math.max(...strings.map((s) => s.length - 2))).toBe(256);
  });

  it('has its lists capped', () => {
    const many = <T>(item: T) => Array.from({ length: 5000 }, () => item);
    const inv = parseSnapshot(
      snapshot({
        containers: [{ ...web, Ports: many(web.Ports[0]) }, ...many(done)],
        images: [{ ...ubuntu, RepoTags: many('ubuntu:latest') }, ...many(ubuntu)],
        networks: many(bridge),
        volumes: { Volumes: many(volume) },
      }),
    );
    expect(inv.containers).toHaveLength(500);
    expect(inv.containers[0]?.ports).toEqual([{ hostPort: 4000, containerPort: 80 }]);
    expect(inv.images).toHaveLength(500);
    expect(inv.networks).toHaveLength(500);
    expect(inv.volumes).toHaveLength(500);
  });
});

describe('the session inventory', () => {
  /** A sandbox whose snapshot helper answers what `answers` holds, one after another. */
  function sandboxAnswering(answers: Array<{ output: string; exitCode: number }>) {
    return new FakeSandbox('s1', 1, {
      helper: async () => answers.shift() ?? { output: '', exitCode: 7 },
    });
  }

  it('keeps the last good inventory when a refresh fails, is refused, or its engine is gone', async () => {
    const good = snapshot({ containers: [web] });
    const sandbox = sandboxAnswering([
      { output: good, exitCode: 0 },
      { output: snapshot({ containers: [{ ...web, Names: 7 }] }), exitCode: 0 },
      { output: output('[]', '[]', '[]'), exitCode: 0 },
      { output: 'curl: (7) Failed to connect to the socket', exitCode: 7 },
    ]);
    const inventory = new SessionInventory(sandbox);
    const seen: Inventory[] = [];
    inventory.on('inventory', (i) => seen.push(i));
    await inventory.start();
    for (let i = 0; i < 3; i++) await inventory.refresh();
    expect(seen).toHaveLength(1);
    expect(inventory.latest?.containers.map((c) => c.name)).toEqual(['web']);
    expect(sandbox.helpers.every((cmd) => cmd === SNAPSHOT_COMMAND)).toBe(true);
    expect(sandbox.execs.map((e) => e.opts)).toEqual([{ cmd: EVENTS_COMMAND, tty: false, helper: true }]);
    inventory.stop();
  });
});
