import type { Engine } from '../docker/engine.ts';
import { LABELS } from '../docker/labels.ts';

/** Removes everything labelled with the session. */
export async function removeSessionObjects(engine: Engine, sessionId: string): Promise<void> {
  await engine.removeLabelled({ [LABELS.session]: sessionId });
}
