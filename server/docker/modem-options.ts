import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { DockerConnection } from './docker-host.ts';

/** Builds dockerode's connection options from a parsed DOCKER_HOST. */
export function modemOptions(c: DockerConnection): Docker.DockerOptions {
  switch (c.kind) {
    case 'unix':
      return { socketPath: c.socketPath };
    case 'ssh':
      return {
        protocol: 'ssh',
        host: c.host,
        port: c.port,
        ...(c.username ? { username: c.username } : {}),
        sshOptions: c.agentSocket ? { agent: c.agentSocket } : {},
      };
    case 'tcp': {
      const base: Docker.DockerOptions = { protocol: c.tls ? 'https' : 'http', host: c.host, port: c.port };
      if (c.tls && c.certPath) {
        const read = (f: string) => fs.readFileSync(path.join(c.certPath as string, f));
        return { ...base, ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
      }
      return base;
    }
  }
}
