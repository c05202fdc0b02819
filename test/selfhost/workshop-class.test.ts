/**
 * The workshop class (test/support/workshop-class.ts) against the server inside the self-hosted
 * container: the image of scripts/build-notes-image.sh, started with compose.yaml and
 * compose.offline.yaml as HOSTING.md says, with both passwords. A restart is the host's own
 * `docker compose restart notes`: the workshop database lives in the stack's volume.
 */
import { afterAll, beforeAll } from 'vitest';
import { hashPassword } from '../../server/security/password.ts';
import { buildNotesImage, startComposeStack, waitHealthy, type ComposeStack } from '../support/compose-stack.ts';
import { requireEngine } from '../support/engine.ts';
import { ATTENDEE_PASSWORD, INSTRUCTOR_PASSWORD, workshopClass } from '../support/workshop-class.ts';
import { retryUntil } from '../../server/retry-until.ts';

const SANDBOX_IMAGE = process.env.SANDBOX_IMAGE ?? 'runnable-docker-notes/sandbox:latest';
let stack: ComposeStack | undefined;

/** Waits until the server answers its health call from here too (the container's healthcheck runs only every 30 s). */
async function waitAnswering(url: string): Promise<void> {
  let last = '';
  const answered = await retryUntil(
    async () => {
      try {
        const res = await fetch(`${url}/api/health`);
        if (res.ok) return true;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = String(e);
      }
      return undefined;
    },
    { delayMs: 250, timeoutMs: 120_000 },
  );
  if (!answered)
    throw new Error(`Expected the restarted server to answer ${url}/api/health; the last try gave ${last}.\nLogs:\n${await stack!.logs()}`);
}

beforeAll(async () => {
  await requireEngine();
  await buildNotesImage();
  stack = await startComposeStack({
    passwordHash: hashPassword(ATTENDEE_PASSWORD),
    instructorPasswordHash: hashPassword(INSTRUCTOR_PASSWORD),
    sandboxImage: SANDBOX_IMAGE,
    files: ['compose.offline.yaml'],
  });
  await waitHealthy(stack);
}, 900_000);

// Runs on failure too: the stack, its volumes and every sandbox the contained server made are gone afterwards.
afterAll(async () => {
  await stack?.remove();
}, 300_000);

workshopClass(() => ({
  url: stack!.url,
  restart: async () => {
    // The server removes its sessions' sandboxes on stop: the grace period compose.yaml gives it.
    const restart = await stack!.compose('restart', '--timeout', '60', 'notes');
    if (restart.status !== 0) throw new Error(`Expected \`restart notes\` to succeed; it ended with ${restart.status}:\n${restart.output}`);
    await waitHealthy(stack!);
    await waitAnswering(stack!.url);
  },
}));
