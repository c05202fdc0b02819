import type { Run } from '../runs/run.ts';
import { principalKey, type Principal } from '../security/request-guard.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { Workshop } from './workshop.ts';

/** A run an instructor watches over an attendee's shoulder: typing only while that attendee asks for help. */
export interface ShoulderView {
  run: Run;
  canType: () => boolean;
}

/**
 * Whether the caller opens someone else's run as an instructor: then the run, read-only unless its
 * attendee has pressed "Ask for help" in the login that owns it (checked on every keystroke, so taking
 * it back stops typing).
 * Undefined for everyone else, and for the instructor's own runs (the usual ownership check applies).
 */
export function shoulderView(store: SessionStore, workshop: Workshop, runId: string, p: Principal): ShoulderView | undefined {
  if (p.kind === 'token' || workshop.seen(p).role !== 'instructor') return undefined;
  let run: Run;
  try {
    run = store.run(runId, { kind: 'token' });
  } catch {
    return undefined;
  }
  const session = store.get(run.sessionId, { kind: 'token' });
  if (session.owner === principalKey(p)) return undefined;
  if (!workshop.userOfSession(session)) return undefined;
  return { run, canType: () => workshop.mayHelpIn(session) };
}
