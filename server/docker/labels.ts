/** Label keys put on every container, network and volume the project creates, so it can find and sweep them. */
export const LABELS = {
  project: 'runnable-docker-notes',
  session: 'runnable-docker-notes.session',
  role: 'runnable-docker-notes.role',
  /** The server instance that owns a session's objects; a server sweeps only its own at start-up. */
  instance: 'runnable-docker-notes.instance',
  /** On a cluster: the Swarm node id a sandbox was placed on (the session -> node mapping lives here). */
  node: 'runnable-docker-notes.node',
  /** Set by tests on what they create, so a failed test's leftovers can be swept by id. */
  test: 'runnable-docker-notes.test',
} as const;

/** The label set for one object: always the project label, plus the given ones. */
export function projectLabels(extra: Record<string, string> = {}): Record<string, string> {
  return { [LABELS.project]: '1', ...extra };
}
