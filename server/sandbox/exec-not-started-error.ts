/**
 * The engine took an exec but could not start its process (its container was stopping, no process
 * slot or memory was left, the runtime failed): it reports exit code 126, which a command of its own
 * may also exit with, so callers are told apart by this error instead. The engine writes its reason
 * into the exec's output.
 */
export class ExecNotStartedError extends Error {
  override name = 'ExecNotStartedError';
  constructor() {
    super('The engine could not start the process in the sandbox.');
  }
}
