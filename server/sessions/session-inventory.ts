import { EventEmitter } from 'node:events';
import type { Inventory } from '../protocol.ts';
import type { SessionSandbox } from '../sandbox/session-sandbox.ts';
import { EVENTS_COMMAND, parseSnapshot, SNAPSHOT_COMMAND } from './inventory-snapshot.ts';

const DEBOUNCE_MS = 80;

/**
 * Keeps what a session's engine holds up to date from that engine's own event stream
 * (its Engine API's /events, read inside the sandbox), not by polling: each event triggers one
 * snapshot. A snapshot that fails or does not validate changes nothing: the last good one stays.
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
    const handle = await this.#sandbox.exec({ cmd: EVENTS_COMMAND, tty: false, helper: true });
    // Stopped while the exec was being made: end it rather than leave it reading events for nobody.
    if (this.#stopped) {
      handle.input.end();
      (handle.output as { destroy?: () => void }).destroy?.();
      return;
    }
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
      const r = await this.#sandbox.run(SNAPSHOT_COMMAND);
      if (r.exitCode === 0) {
        this.latest = parseSnapshot(r.output);
        this.emit('inventory', this.latest);
      }
    } catch {
      // The sandbox is going away (its end is reported through 'ended'), or its engine's answer was
      // refused (the reader's own engine: anything may be behind its socket).
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
