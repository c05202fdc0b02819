import type { ServerMessage } from '../protocol.ts';

/** What a Run emits, for its watchers and its session. */
export interface RunEvents {
  output: [offset: number, data: Buffer];
  /** Keys typed (activity of the session's reader, unlike watching). */
  input: [];
  message: [ServerMessage];
  end: [];
}
