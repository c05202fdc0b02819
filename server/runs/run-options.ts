import type { Logger } from '../logger.ts';
import type { SpareShells } from './spare-shells.ts';
import type { StopChannels } from './stop-channels.ts';

/** What a Run is made with: its ids, command and size, and the limits and shared helpers it runs under. */
export interface RunOptions {
  id: string;
  sessionId: string;
  command: string;
  kind?: 'block' | 'terminal';
  block?: string | undefined;
  /** The run is stopped after this long (0: never). */
  timeoutMs: number;
  /** Variables every run gets (e.g. REGISTRY). */
  env?: string[];
  size?: { cols: number; rows: number } | undefined;
  outputLimit: number;
  stopGraceMs: number;
  /** A run nobody watches is stopped after this long. */
  detachedGraceMs: number;
  /** With the run's and session's ids set by the caller. */
  logger?: Logger;
  /** The sandboxes' stop channels, shared by the runs of a server (without: each Stop starts a helper). */
  stopChannels?: StopChannels;
  /** The sandboxes' spare shells, shared by the runs of a server (without: each run starts its own exec). */
  spareShells?: SpareShells;
}
