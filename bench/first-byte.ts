import WebSocket from 'ws';
import type { ApiClient } from '../test/support/api-client.ts';
import { ms, now } from './stats.ts';

/** First byte of a run started through the public API: POST, then the WebSocket's first binary frame. */
export async function apiFirstByte(api: ApiClient, session: string, command: string): Promise<number> {
  const t = now();
  const id = await api.startRun(session, command);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${api.url.replace(/^http/, 'ws')}/api/runs/${id}/stream?since=0`, { headers: { Authorization: `Bearer ${api.token}` } });
    let first: number | undefined;
    ws.on('message', (_d, binary) => {
      if (binary && first === undefined) first = ms(t);
    });
    ws.on('close', () => (first === undefined ? reject(new Error(`no output from ${command}`)) : resolve(first)));
    ws.on('error', reject);
  });
}
