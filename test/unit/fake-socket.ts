import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';

/**
 * A WebSocket as the stream code sees it (the `ws` server side), in memory: what was sent, whether
 * it was closed or cut, a buffer the test sets, and `receive` for what the client sends.
 */
export class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  paused = false;
  readonly sent: Array<Buffer | string> = [];
  closed: { code: number; reason: string } | undefined;
  terminated = false;

  send(data: Buffer | string): void {
    this.sent.push(data);
  }

  /** The binary frames sent, in bytes. */
  get bytesSent(): number {
    return this.sent.filter((d) => typeof d !== 'string').reduce((n, d) => n + d.length, 0);
  }

  /** The JSON frames sent. */
  get messages(): Array<{ type: string; [k: string]: unknown }> {
    return this.sent.filter((d): d is string => typeof d === 'string').map((d) => JSON.parse(d));
  }

  close(code: number, reason: string): void {
    if (this.readyState !== this.OPEN) return;
    this.closed = { code, reason };
    this.readyState = 2;
  }

  terminate(): void {
    this.terminated = true;
    this.end();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** The connection ends (the client left, or the server cut it): the server's close handlers run. */
  end(): void {
    this.readyState = 3;
    this.emit('close');
  }

  /** A frame from the client. */
  receive(data: string | Buffer): void {
    this.emit('message', Buffer.from(data), typeof data !== 'string');
  }

  get ws(): WebSocket {
    return this as unknown as WebSocket;
  }
}
