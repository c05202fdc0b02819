import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A unix socket that forwards to the real engine's socket while "up": lets a test take the engine
 * away from one server and bring it back without stopping the engine the other tests use.
 */
export class EngineSocketProxy {
  readonly socketPath: string;
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
      client.pipe(upstream).pipe(client);
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
