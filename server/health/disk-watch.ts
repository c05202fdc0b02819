import fs from 'node:fs/promises';
import type { DiskReport } from '../protocol.ts';

// Part of the protocol: /api/health reports it.
export type { DiskReport } from '../protocol.ts';

export interface DiskWatchOptions {
  /** The engine's data folder when it is on this machine; undefined (with why) when it cannot be measured here. */
  locate: () => Promise<{ path: string } | { reason: string }>;
  /** Below this many free bytes, the biggest session's sandbox is removed. */
  minFreeBytes: number;
  everyMs: number;
  /** Frees space: removes the sandbox that uses the most disk; resolves once it is gone. */
  onLow: (report: Extract<DiskReport, { known: true }>) => Promise<void>;
  log: (line: string) => void;
}

/**
 * Watches the free space of the file system that holds the engine's data: sandbox engines' volumes
 * and workspaces have no quota there (the local volume driver has none), so one reader could fill
 * the host. Below the floor it has the biggest sandbox removed, one at a time, before the host runs out.
 */
export class DiskWatch {
  readonly #o: DiskWatchOptions;
  #timer: NodeJS.Timeout | undefined;
  #latest: DiskReport = { known: false, reason: 'not measured yet' };
  #freeing = false;

  constructor(o: DiskWatchOptions) {
    this.#o = o;
  }

  get latest(): DiskReport {
    return this.#latest;
  }

  start(): void {
    const tick = () => {
      void this.check().finally(() => {
        this.#timer = setTimeout(tick, this.#o.everyMs);
        this.#timer.unref();
      });
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  /** Measures once; when below the floor (and not already freeing space), calls onLow. */
  async check(): Promise<DiskReport> {
    let where: { path: string } | { reason: string };
    try {
      where = await this.#o.locate();
    } catch (err) {
      this.#latest = { known: false, reason: `the engine did not say where its data is (${(err as Error).message.split('\n')[0]})` };
      return this.#latest;
    }
    if ('reason' in where) {
      this.#latest = { known: false, reason: where.reason };
      return this.#latest;
    }
    try {
      const st = await fs.statfs(where.path);
      const freeBytes = st.bavail * st.bsize;
      const report = {
        known: true as const,
        path: where.path,
        freeBytes,
        totalBytes: st.blocks * st.bsize,
        minFreeBytes: this.#o.minFreeBytes,
        low: freeBytes < this.#o.minFreeBytes,
      };
      this.#latest = report;
      if (report.low && !this.#freeing) {
        this.#freeing = true;
        try {
          await this.#o.onLow(report);
        } catch (err) {
          this.#o.log(`Warning: disk low (${gib(freeBytes)} free) and freeing space failed: ${(err as Error).message}`);
        } finally {
          this.#freeing = false;
        }
      }
      return report;
    } catch (err) {
      this.#latest = { known: false, reason: `cannot measure ${where.path}: ${(err as Error).message}` };
      return this.#latest;
    }
  }
}

/** Bytes as GiB with one decimal, for messages. */
export function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
