import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';

/**
 * A unix socket that forwards to the real engine's socket while "up": lets a test take the engine
 * away from one server and bring it back without stopping the engine the other tests use.
 */
export class EngineSocketProxy {
  readonly socketPath: string;
  /**
   * While set, each chunk a client sends goes through it on its way to the engine: a test's fault
   * (a request the engine then answers as it would a bad one), not a mock of the engine's answer.
   */
  rewrite: ((chunk: Buffer) => Buffer) | undefined;
  readonly #target: string;
  #server: net.Server | undefined;
  readonly #open = new Set<net.Socket>();

  constructor(target = '/var/run/docker.sock') {
    this.#target = target;
    this.socketPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rdn-proxy-')), 'docker.sock');
  }

  async up(): Promise<void> {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(this.#target);
      for (const s of [client, upstream]) {
        this.#open.add(s);
        s.on('close', () => this.#open.delete(s));
        s.on('error', () => undefined);
      }
      const toEngine = new Transform({ transform: (chunk: Buffer, _enc, done) => done(null, this.rewrite ? this.rewrite(chunk) : chunk) });
      client.pipe(toEngine).pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.socketPath, resolve));
  }

  async down(): Promise<void> {
    for (const s of this.#open) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
    fs.rmSync(this.socketPath, { force: true });
  }
}
