import { describe, expect, it } from 'vitest';
import type { SandboxSettings } from '../../server/sandbox/sandbox-settings.ts';
import { DIND_CAPABILITIES, sandboxCreateOptions, sandboxExecIdentity, sandboxNames } from '../../server/sandbox/sandbox-template.ts';

const base: SandboxSettings = {
  instance: 'local',
  image: 'runnable-docker-notes/sandbox:latest',
  mode: 'isolated',
  isolation: 'rootful',
  privilege: 'capabilities',
  limits: { memoryBytes: 1024 ** 3, nanoCpus: 1e9, pids: 512 },
  registryMirror: 'http://registry-mirror:5000',
  insecureRegistries: ['registry-mirror:5000'],
};

describe('the sandbox create template', () => {
  it('is fixed: labels, limits, workspace, engine volume, own network', () => {
    const o = sandboxCreateOptions('abc-123', base);
    expect(o).toMatchObject({
      Image: base.image,
      name: 'rdn-sandbox-abc123',
      WorkingDir: '/workspace',
      Labels: {
        'runnable-docker-notes': '1',
        'runnable-docker-notes.session': 'abc-123',
        'runnable-docker-notes.instance': 'local',
        'runnable-docker-notes.role': 'sandbox',
      },
      Env: ['RDN_ENGINE=rootful', 'RDN_REGISTRY_MIRROR=http://registry-mirror:5000', 'RDN_INSECURE_REGISTRIES=registry-mirror:5000'],
      HostConfig: {
        Memory: 1024 ** 3,
        MemorySwap: 1024 ** 3,
        NanoCpus: 1e9,
        PidsLimit: 512,
        NetworkMode: 'zz-rdn-net-abc123',
        Mounts: [{ Type: 'volume', Source: 'rdn-engine-abc123', Target: '/var/lib/docker' }],
      },
    });
  });

  it('rootless (the default): only SYS_ADMIN added, no host cgroup tree, the tun device, the engine volume in the user home', () => {
    const o = sandboxCreateOptions('abc-123', { ...base, isolation: 'rootless' });
    const hc = o.HostConfig!;
    expect(o.Env).toEqual([
      'RDN_ENGINE=rootless',
      'RDN_REGISTRY_MIRROR=http://registry-mirror:5000',
      'RDN_INSECURE_REGISTRIES=registry-mirror:5000',
      'DOCKER_HOST=unix:///run/user/1000/docker.sock',
    ]);
    expect(hc.Privileged).toBeUndefined();
    expect(hc.CapAdd).toEqual(['SYS_ADMIN']);
    expect(hc.Binds).toBeUndefined();
    expect(hc.Devices).toEqual([{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }]);
    expect(hc.Mounts).toEqual([{ Type: 'volume', Source: 'rdn-engine-abc123', Target: '/home/rdn/.local/share/docker' }]);
    expect(hc).toMatchObject({ Memory: 1024 ** 3, PidsLimit: 512, NetworkMode: 'zz-rdn-net-abc123' });
  });

  it('rootless: every exec runs as the unprivileged user, with its engine; rootful and host run as root', () => {
    expect(sandboxExecIdentity({ mode: 'isolated', isolation: 'rootless' })).toEqual({
      user: 'rdn',
      env: [
        'PATH=/run/rdn/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/home/rdn',
        'USER=rdn',
        'XDG_RUNTIME_DIR=/run/user/1000',
        'DOCKER_HOST=unix:///run/user/1000/docker.sock',
      ],
    });
    expect(sandboxExecIdentity({ mode: 'isolated', isolation: 'rootful' }).user).toBeUndefined();
    expect(sandboxExecIdentity({ mode: 'host', isolation: 'rootless' }).user).toBeUndefined();
  });

  it('uses the explicit capability list, without SYS_RESOURCE, where privileged is refused', () => {
    const hc = sandboxCreateOptions('s', base).HostConfig!;
    expect(hc.Privileged).toBeUndefined();
    expect(hc.CapAdd).toEqual([...DIND_CAPABILITIES]);
    expect(hc.CapAdd).not.toContain('SYS_RESOURCE');
    expect(hc.SecurityOpt).toEqual(['seccomp=unconfined', 'apparmor=unconfined']);
    expect(hc.Binds).toEqual(['/sys/fs/cgroup:/sys/fs/cgroup:rw']);
  });

  it('uses --privileged where the engine allows it', () => {
    const hc = sandboxCreateOptions('s', { ...base, privilege: 'privileged' }).HostConfig!;
    expect(hc.Privileged).toBe(true);
    expect(hc.CapAdd).toBeUndefined();
  });

  it('in host mode binds the host socket and grants no extra rights', () => {
    const o = sandboxCreateOptions('s', { ...base, mode: 'host', hostSocket: '/var/run/docker.sock' });
    expect(o.Env).toEqual(['RDN_ENGINE=host']);
    expect(o.HostConfig).toMatchObject({ Binds: ['/var/run/docker.sock:/var/run/docker.sock'] });
    expect(o.HostConfig!.Privileged).toBeUndefined();
    expect(o.HostConfig!.CapAdd).toBeUndefined();
    expect(o.HostConfig!.Mounts).toBeUndefined();
  });

  it('takes nothing but the session id and the settings (no request text)', () => {
    expect(sandboxCreateOptions.length).toBe(2);
    expect(() => sandboxCreateOptions('s; rm -rf /', base)).toThrow(/Not a session id/);
  });
});

describe('the session network name', () => {
  // A container joined to a session network (the notes container, the registries) keeps its gateway
  // and published ports on the network whose name sorts first: that must stay its own network.
  it('sorts after the networks of the containers attached to it', () => {
    const session = sandboxNames('0a1b2c3d-4e5f-6789-abcd-ef0123456789').network;
    for (const own of ['runnable-docker-notes', 'rdn-selfhost-1234abcd', 'bridge', 'notes_default', 'z-net']) {
      expect([own, session].sort(), `"${session}" should sort after "${own}"`).toEqual([own, session]);
    }
  });
});
