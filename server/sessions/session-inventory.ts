import { EventEmitter } from 'node:events';
import type { Inventory, InventoryContainer } from '../protocol.ts';
import type { SessionSandbox } from '../sandbox/session-sandbox.ts';

/**
 * One shell command in the sandbox that prints everything its engine holds as one JSON object.
 * A helper (sandbox-helper.ts): absolute paths, since the reader may have put their own first on PATH.
 */
const SNAPSHOT = [
  "printf '{\"containers\":['; /usr/bin/docker ps -a --no-trunc --format '{{json .}}' | /usr/bin/paste -sd, -",
  "printf '],\"images\":['; /usr/bin/docker images --format '{{json .}}' | /usr/bin/paste -sd, -",
  "printf '],\"networks\":['; /usr/bin/docker network ls --format '{{json .}}' | /usr/bin/paste -sd, -",
  "printf '],\"volumes\":['; /usr/bin/docker volume ls --format '{{json .}}' | /usr/bin/paste -sd, -",
  "printf ']}'",
].join('; ');

const DEBOUNCE_MS = 80;

/** Parses the docker CLI's port column: "0.0.0.0:4000->80/tcp, :::4000->80/tcp" -> [{4000, 80}]. */
export function parsePorts(column: string): InventoryContainer['ports'] {
  const seen = new Map<number, number>();
  for (const m of column.matchAll(/:(\d+)->(\d+)\/tcp/g)) seen.set(Number(m[1]), Number(m[2]));
  return [...seen].map(([hostPort, containerPort]) => ({ hostPort, containerPort }));
}

/** Turns the snapshot's raw JSON into the panel's inventory. */
export function parseSnapshot(text: string): Inventory {
  const raw = JSON.parse(text) as Record<string, Array<Record<string, string>>>;
  return {
    containers: (raw.containers ?? []).map((c) => ({
      id: c.ID ?? '',
      name: c.Names ?? '',
      image: c.Image ?? '',
      state: c.State ?? (/^Up/.test(c.Status ?? '') ? 'running' : 'exited'),
      status: c.Status ?? '',
      ports: parsePorts(c.Ports ?? ''),
    })),
    images: (raw.images ?? []).map((i) => ({ id: i.ID ?? '', repository: i.Repository ?? '', tag: i.Tag ?? '', size: i.Size ?? '' })),
    networks: (raw.networks ?? []).map((n) => ({ id: n.ID ?? '', name: n.Name ?? '', driver: n.Driver ?? '' })),
    volumes: (raw.volumes ?? []).map((v) => ({ name: v.Name ?? '', driver: v.Driver ?? '' })),
  };
}

/**
 * Keeps what a session's engine holds up to date from that engine's own event stream
 * (`docker events` inside the sandbox), not by polling: each event triggers one snapshot.
 */
export class SessionInventory extends EventEmitter<{ inventory: [Inventory]; ended: [] }> {
  latest: Inventory | undefined;
  readonly #sandbox: SessionSandbox;
  #timer: NodeJS.Timeout | undefined;
  #refreshing = false;
  #again = false;
  #stopped = false;
  #events: { output: NodeJS.ReadableStream; input: NodeJS.WritableStream } | undefined;

  constructor(sandbox: SessionSandbox) {
    super();
    this.#sandbox = sandbox;
  }

  async start(): Promise<void> {
    const handle = await this.#sandbox.exec({ cmd: ['/usr/bin/docker', 'events', '--format', '{{.Type}} {{.Action}}'], tty: false, helper: true });
    this.#events = handle;
    handle.output.on('data', () => this.#schedule());
    handle.output.on('end', () => {
      if (!this.#stopped) this.emit('ended');
    });
    handle.output.on('error', () => undefined);
    await this.refresh();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), DEBOUNCE_MS);
  }

  /** Takes a snapshot now (one at a time; an event during one asks for another). */
  async refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return;
    }
    this.#refreshing = true;
    try {
      const r = await this.#sandbox.run(['/bin/bash', '-c', SNAPSHOT]);
      if (r.exitCode === 0) {
        this.latest = parseSnapshot(r.output);
        this.emit('inventory', this.latest);
      }
    } catch {
      // The sandbox is going away; its end is reported through 'ended'.
    } finally {
      this.#refreshing = false;
      if (this.#again) {
        this.#again = false;
        void this.refresh();
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#events?.input.end();
    (this.#events?.output as { destroy?: () => void } | undefined)?.destroy?.();
  }
}
