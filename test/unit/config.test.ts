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
