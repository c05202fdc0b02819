import { describe, expect, it } from 'vitest';
import { parsePorts, parseSnapshot } from '../../server/sessions/session-inventory.ts';

describe('the session inventory parsers', () => {
  it('reads published TCP ports from the docker CLI port column, once per port', () => {
    expect(parsePorts('0.0.0.0:4000->80/tcp, :::4000->80/tcp')).toEqual([{ hostPort: 4000, containerPort: 80 }]);
    expect(parsePorts('0.0.0.0:4000->80/tcp, 0.0.0.0:8443->443/tcp')).toEqual([
      { hostPort: 4000, containerPort: 80 },
      { hostPort: 8443, containerPort: 443 },
    ]);
    expect(parsePorts('80/tcp')).toEqual([]);
    expect(parsePorts('0.0.0.0:5353->53/udp')).toEqual([]);
  });

  it('turns a snapshot into containers, images, networks and volumes', () => {
    const text = JSON.stringify({
      containers: [{ ID: 'abc', Names: 'web', Image: 'pythonhello', State: 'running', Status: 'Up 2 seconds', Ports: '0.0.0.0:4000->80/tcp' }],
      images: [{ ID: 'sha', Repository: 'ubuntu', Tag: 'latest', Size: '119MB' }],
      networks: [{ ID: 'n1', Name: 'bridge', Driver: 'bridge' }],
      volumes: [],
    });
    expect(parseSnapshot(text)).toEqual({
      containers: [
        { id: 'abc', name: 'web', image: 'pythonhello', state: 'running', status: 'Up 2 seconds', ports: [{ hostPort: 4000, containerPort: 80 }] },
      ],
      images: [{ id: 'sha', repository: 'ubuntu', tag: 'latest', size: '119MB' }],
      networks: [{ id: 'n1', name: 'bridge', driver: 'bridge' }],
      volumes: [],
    });
  });

  it('derives the state from the status when the CLI gives none', () => {
    const inv = parseSnapshot(
      JSON.stringify({
        containers: [
          { ID: 'a', Status: 'Exited (0) 1 second ago' },
          { ID: 'b', Status: 'Up 1 second' },
        ],
      }),
    );
    expect(inv.containers.map((c) => c.state)).toEqual(['exited', 'running']);
  });
});
