/**
 * The workshop class (test/support/workshop-class.ts) against a server process of this test's own,
 * in password mode, restarted between steps on the same workshop database.
 */
import { afterAll, beforeAll } from 'vitest';
import { hashPassword } from '../../server/security/password.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { tempDbPath } from '../support/workshop.ts';
import { ATTENDEE_PASSWORD, INSTRUCTOR_PASSWORD, workshopClass } from '../support/workshop-class.ts';

const db = tempDbPath();
const env = {
  NOTES_PASSWORD_HASH: hashPassword(ATTENDEE_PASSWORD),
  INSTRUCTOR_PASSWORD_HASH: hashPassword(INSTRUCTOR_PASSWORD),
  WORKSHOP_DB: db.file,
};
let app: AppServer | undefined;

beforeAll(async () => {
  await requireEngine();
  app = await startAppServer(env);
}, 120_000);

afterAll(async () => {
  await app?.close();
  db.remove();
});

workshopClass(() => ({
  url: app!.server.url,
  restart: async () => {
    await app!.close();
    app = await startAppServer(env);
  },
}));
