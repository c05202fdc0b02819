import { describe, expect, it } from 'vitest';
import { parseDockerHost } from '../../server/docker/docker-host.ts';

describe('parseDockerHost reads DOCKER_HOST as the docker CLI does', () => {
  it.each([
    [{}, { kind: 'unix', socketPath: '/var/run/docker.sock' }],
    [{ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, { kind: 'unix', socketPath: '/run/user/1000/docker.sock' }],
    [{ DOCKER_HOST: 'unix://' }, { kind: 'unix', socketPath: '/var/run/docker.sock' }],
    [{ DOCKER_HOST: 'tcp://10.0.0.5:2375' }, { kind: 'tcp', host: '10.0.0.5', port: 2375, tls: false }],
    [{ DOCKER_HOST: 'tcp://engine.example:2376' }, { kind: 'tcp', host: 'engine.example', port: 2376, tls: true }],
    [
      { DOCKER_HOST: 'tcp://e:2375', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' },
      { kind: 'tcp', tls: true, certPath: '/c' },
    ],
    [{ DOCKER_HOST: 'localhost:2375' }, { kind: 'tcp', host: 'localhost', port: 2375 }],
    [{ DOCKER_HOST: 'tcp://[::1]:2375' }, { kind: 'tcp', host: '::1', port: 2375 }],
    [
      { DOCKER_HOST: 'ssh://me@build.example', SSH_AUTH_SOCK: '/a' },
      { kind: 'ssh', host: 'build.example', port: 22, username: 'me', agentSocket: '/a' },
    ],
    [{ DOCKER_HOST: 'ssh://build.example:2222' }, { kind: 'ssh', port: 2222 }],
  ])('%j', (env, expected) => {
    expect(parseDockerHost(env)).toMatchObject(expected);
  });

  it.each(['npipe:////./pipe/docker_engine', 'fd://', 'tcp://', 'http://a b'])('refuses %s with a hint', (value) => {
    expect(() => parseDockerHost({ DOCKER_HOST: value })).toThrow(/DOCKER_HOST=.*(Use|not)/);
  });
});
