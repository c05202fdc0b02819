import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { CLOSE, parseClientMessage } from '../../server/protocol.ts';
import { onClientFrames } from '../../server/ws/client-frames.ts';

describe('onClientFrames', () => {
  it('a handler that throws closes that socket with 1011 and says so in the log; the other sockets and the process go on', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const lines: string[] = [];
    const seen: string[] = [];
    wss.on('connection', (ws) =>
      onClientFrames(
        ws,
        (raw) => {
          const text = String(raw);
          if (text === 'boom') throw new TypeError('Cannot convert object to primitive value');
          // A thrown value that is not an Error, whose own toString throws too.
          if (text === 'odd') throw { toString: 1 };
          seen.push(text);
          ws.send(`echo ${text}`);
        },
        (line) => lines.push(line),
      ),
    );
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    try {
      for (const frame of ['boom', 'odd']) {
        const bad = new WebSocket(url);
        const other = new WebSocket(url);
        await Promise.all([once(bad, 'open'), once(other, 'open')]);
        bad.send(frame);
        const [code] = (await once(bad, 'close')) as [number];
        expect(code).toBe(CLOSE.internalError);
        other.send('still here');
        const [answer] = (await once(other, 'message')) as [Buffer];
        expect(String(answer)).toBe('echo still here');
        other.close();
      }
      expect(seen).toEqual(['still here', 'still here']);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/could not be handled.*Cannot convert object/);
      expect(lines[1]).toMatch(/could not be handled.*: a thrown object$/);
    } finally {
      for (const c of wss.clients) c.terminate();
      wss.close();
    }
  });
});

describe('parseClientMessage on hostile JSON', () => {
  it.each([
    '{"type": {"toString": 1}}',
    '{"type": {"toString": null, "valueOf": null}}',
    '{"type": [{"toString": 1}]}',
    '{"type": {"toJSON": 1}}',
    '{"type": "resize", "cols": {"valueOf": 1}, "rows": 5}',
    '{"type": "resize", "cols": 80, "rows": "24"}',
    '{"type": "ack", "bytes": {"toString": 1, "valueOf": 1}}',
    '{"type": "ack", "bytes": 1e308}',
    '{"type": "ack", "bytes": -1}',
    '{"type": "ack", "bytes": "12"}',
    '{"__proto__": {"type": "ack", "bytes": 1}}',
    '{"type": "constructor"}',
    '{"type": "__proto__"}',
    'null',
    '"ack"',
    '1',
    '',
  ])('%s is refused with a reason, never thrown', (text) => {
    const parsed = parseClientMessage(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/\w/);
  });

  it('names an unknown type only when it is a string, and only its first 40 characters', () => {
    const long = parseClientMessage(JSON.stringify({ type: 'x'.repeat(5000) }));
    expect(long.ok || long.error.length).toBeLessThan(200);
    const named = parseClientMessage('{"type": "shutdown"}');
    expect(named.ok || named.error).toMatch(/"shutdown"/);
  });
});
