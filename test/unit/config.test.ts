import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';

describe('loadConfig', () => {
  it('defaults to loopback on port 4321', () => {
    const c = loadConfig({});
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(4321);
    expect(c.docker.url).toBe('unix:///var/run/docker.sock');
  });

  it('takes PORT and HOST from the environment', () => {
    const c = loadConfig({ PORT: '8080', HOST: '::1' });
    expect([c.host, c.port]).toEqual(['::1', 8080]);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DOCKER_HOST', 'fd://'],
  ])('names the bad variable %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it("no cluster unless CLUSTER_MANAGER is set; with it, the manager over TLS from CLUSTER_TLS_DIR, whose keys must be there, and the node mirrors' upstream from CLUSTER_MIRROR_UPSTREAM", () => {
    expect(loadConfig({}).cluster).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-keys-'));
    try {
      expect(() => loadConfig({ CLUSTER_MANAGER: 'tcp://10.0.0.1:2376', CLUSTER_TLS_DIR: dir })).toThrow(
        /CLUSTER_TLS_DIR=.* lacks ca\.pem, cert\.pem, key\.pem/,
      );
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), '');
      const c = loadConfig({ CLUSTER_MANAGER: 'tcp://10.0.0.1:2376', CLUSTER_TLS_DIR: dir });
      expect(c.cluster).toEqual({
        manager: { kind: 'tcp', host: '10.0.0.1', port: 2376, tls: true, certPath: dir, url: 'tcp://10.0.0.1:2376' },
        tlsDir: dir,
        mirrorUpstream: undefined,
      });
      expect(
        loadConfig({ CLUSTER_MANAGER: 'tcp://10.0.0.1:2376', CLUSTER_MIRROR_UPSTREAM: 'http://10.0.0.5:5000' }).cluster?.mirrorUpstream,
        'the upstream of the node mirrors',
      ).toBe('http://10.0.0.5:5000');
      expect(() => loadConfig({ CLUSTER_MANAGER: 'tcp://10.0.0.1:2376', CLUSTER_MIRROR_UPSTREAM: '10.0.0.5:5000' })).toThrow(
        /CLUSTER_MIRROR_UPSTREAM/,
      );
      expect(c.docker.url, "the server's own engine is still DOCKER_HOST").toBe('unix:///var/run/docker.sock');
      expect(() => loadConfig({ CLUSTER_MANAGER: 'tcp://10.0.0.1:2376', SANDBOX_MODE: 'host' })).toThrow(/does not go with CLUSTER_MANAGER/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses SANDBOX_MODE=host with an engine that is not on a local unix socket, at start-up rather than at the first Run', () => {
    expect(() => loadConfig({ SANDBOX_MODE: 'host', DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toThrow(
      /SANDBOX_MODE=host needs the engine on a local unix socket/,
    );
    expect(loadConfig({ SANDBOX_MODE: 'host' }).sandboxMode).toBe('host');
  });

  it.each(['localhost', 'LOCALHOST', '::1', '127.0.0.1', '127.1.2.3'])('takes HOST=%s for loopback (no login needed)', (host) => {
    expect(loadConfig({ HOST: host }).host).toBe(host);
  });

  it.each(['127.0.0.1.nip.io', '127.attacker.example', '0.0.0.0', '10.0.0.1'])('refuses HOST=%s without a login: it is not loopback', (host) => {
    expect(() => loadConfig({ HOST: host })).toThrow(/Refusing to listen on/);
  });
});
