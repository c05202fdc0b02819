import type { Engine } from '../docker/engine.ts';
import type { SandboxPrivilege } from './sandbox-settings.ts';

/**
 * Finds out once whether this engine can start `--privileged` containers. Some kernels refuse
 * ("unable to apply caps"); the sandbox then gets an explicit capability list instead.
 */
export async function probePrivilege(
  engine: Engine,
  image: string,
  labels: Record<string, string>,
): Promise<{ privilege: SandboxPrivilege; reason: string }> {
  try {
    const r = await engine.runOnce({ image, cmd: ['true'], privileged: true, labels });
    if (r.exitCode === 0) return { privilege: 'privileged', reason: 'the engine starts privileged containers' };
    return { privilege: 'capabilities', reason: `a privileged probe exited ${r.exitCode}` };
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? '';
    return { privilege: 'capabilities', reason: `the engine refused --privileged (${message.trim()})` };
  }
}
