import WebSocket from 'ws';
import { runStreamPath, type RunInfo, type ServerMessage } from '../../server/protocol.ts';
import { RunStreamClient, type RunStreamOptions } from '../../src/client/run-stream-client.ts';
import { wsTransport } from './ws-transport.ts';
import { fetchJson } from './fetch-json.ts';

/** What a client saw on a run's stream. */
export interface StreamResult {
  output: Buffer;
  messages: ServerMessage[];
  closeCode: number;
}

/** A script-side client of the public HTTP + WebSocket API (Bearer token), as in the README. */
export class ApiClient {
  readonly url: string;
  readonly token: string;

  constructor(url: string, token: string) {
    this.url = url;
    this.token = token;
  }

  // biome-ignore lint/suspicious/noExplicitAny: a raw answer of any route; each test reads the fields of the one it called
  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    return fetchJson(`${this.url}${path}`, method, { Authorization: `Bearer ${this.token}` }, body);
  }

  async createSession(): Promise<string> {
    const r = await this.request('POST', '/api/sessions');
    if (r.status !== 201) throw new Error(`POST /api/sessions answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  async deleteSession(id: string): Promise<number> {
    return (await this.request('DELETE', `/api/sessions/${id}`)).status;
  }

  async startRun(sessionId: string, command: string, size?: { cols: number; rows: number }): Promise<string> {
    const r = await this.request('POST', `/api/sessions/${sessionId}/runs`, { command, ...size });
    if (r.status !== 201) throw new Error(`POST runs answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  async info(runId: string): Promise<RunInfo> {
    return (await this.request('GET', `/api/runs/${runId}`)).body as RunInfo;
  }

  async stop(runId: string): Promise<RunInfo> {
    return (await this.request('POST', `/api/runs/${runId}/stop`)).body as RunInfo;
  }

  /** The ws(s) URL of a path on the server. */
  wsUrl(path: string): string {
    return `${this.url.replace(/^http/, 'ws')}${path}`;
  }

  /** A raw socket on a run's stream from `since`, for tests that send what no client would. */
  open(runId: string, since = 0, ack = false): WebSocket {
    const ws = new WebSocket(this.wsUrl(runStreamPath(runId, since, ack)), { headers: { Authorization: `Bearer ${this.token}` } });
    ws.on('error', () => undefined);
    return ws;
  }

  /** The page's stream client, signed in with the token (not started). */
  stream(runId: string, options: Partial<Omit<RunStreamOptions, 'transport' | 'url'>> = {}): RunStreamClient {
    return new RunStreamClient(runId, { transport: wsTransport({ Authorization: `Bearer ${this.token}` }), url: (p) => this.wsUrl(p), ...options });
  }

  /** Follows a stream until the server closes it; `onEvent` (on open, each frame) may type or close. */
  async follow(runId: string, since = 0, onEvent?: (stream: RunStreamClient, seen: StreamResult) => void): Promise<StreamResult> {
    const stream = this.stream(runId, { since });
    // Output is kept as chunks and joined only when read: a flood must not cost O(n^2).
    const chunks: Uint8Array[] = [];
    let joined: Buffer | undefined;
    const seen = {
      messages: [] as StreamResult['messages'],
      closeCode: 0,
      get output(): Buffer {
        joined ??= Buffer.concat(chunks);
        return joined;
      },
    } as StreamResult;
    stream.on('open', () => onEvent?.(stream, seen));
    stream.on('output', (bytes) => {
      chunks.push(bytes);
      joined = undefined;
      onEvent?.(stream, seen);
    });
    stream.on('message', (m) => {
      seen.messages.push(m);
      onEvent?.(stream, seen);
    });
    void stream.start();
    seen.closeCode = await stream.closed;
    const end = stream.ended;
    if (end?.kind === 'failed' && end.message.startsWith('upgrade refused')) throw new Error(end.message);
    return seen;
  }

  /** Runs a command in the session and follows it to its end. */
  async run(sessionId: string, command: string, size?: { cols: number; rows: number }) {
    const id = await this.startRun(sessionId, command, size);
    const seen = await this.follow(id);
    const exit = seen.messages.find((m) => m.type === 'exit') as { exitCode: number } | undefined;
    return { id, text: seen.output.toString('utf8'), exitCode: exit?.exitCode, ...seen };
  }
}
