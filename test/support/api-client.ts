import WebSocket from 'ws';
import type { RunInfo, ServerMessage } from '../../server/protocol.ts';

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
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
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

  /** Opens a run's stream from `since`. */
  open(runId: string, since = 0): WebSocket {
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/api/runs/${runId}/stream?since=${since}`, {
      headers: { Authorization: `Bearer ${this.token}` },
    });
    ws.on('error', () => undefined);
    return ws;
  }

  /** Follows a stream until the server closes it; `onOpen` may send input. */
  follow(runId: string, since = 0, onEvent?: (ws: WebSocket, seen: StreamResult) => void): Promise<StreamResult> {
    const ws = this.open(runId, since);
    // Output is kept as chunks and joined only when read: a flood must not cost O(n^2).
    const chunks: Buffer[] = [];
    let joined: Buffer | undefined;
    const seen = {
      messages: [] as StreamResult['messages'],
      closeCode: 0,
      get output(): Buffer {
        joined ??= Buffer.concat(chunks);
        return joined;
      },
    } as StreamResult;
    return new Promise((resolve, reject) => {
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) {
          chunks.push(data);
          joined = undefined;
        }
        else seen.messages.push(JSON.parse(data.toString()) as ServerMessage);
        onEvent?.(ws, seen);
      });
      ws.on('open', () => onEvent?.(ws, seen));
      ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      ws.on('close', (code) => {
        seen.closeCode = code;
        resolve(seen);
      });
    });
  }

  /** Runs a command in the session and follows it to its end. */
  async run(sessionId: string, command: string, size?: { cols: number; rows: number }) {
    const id = await this.startRun(sessionId, command, size);
    const seen = await this.follow(id);
    const exit = seen.messages.find((m) => m.type === 'exit') as { exitCode: number } | undefined;
    return { id, text: seen.output.toString('utf8'), exitCode: exit?.exitCode, ...seen };
  }
}
