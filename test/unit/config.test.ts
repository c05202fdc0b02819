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

  it.each([['PORT', 'eighty'], ['PORT', '70000'], ['DOCKER_HOST', 'fd://']])('names the bad variable %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
