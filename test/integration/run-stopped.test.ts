import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../server/protocol.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';

let app: AppServer;
let session: string;

beforeAll(async () => {
  await requireEngine();
  app = await startAppServer();
  session = await app.api.createSession();
});

afterAll(async () => {
  await app?.close();
});

describe('a run says whether it was stopped or ended by itself', () => {
  it('a stopped run: `stopped` on its exit message, in its info and in the runs of the session', async () => {
    const id = await app.api.startRun(session, 'echo started; sleep 120');
    const followed = app.api.follow(id);
    await expect.poll(async () => (await app.api.info(id)).status, { timeout: 120_000 }).toBe('running');
    const info = await app.api.stop(id);
    expect(info).toMatchObject({ status: 'exited', exitCode: 130, stopped: true });
    const exit = (await followed).messages.find((m) => m.type === 'exit') as Extract<ServerMessage, { type: 'exit' }> | undefined;
    expect(exit, 'the exit message of the stream').toMatchObject({ exitCode: 130, stopped: true });
    const listed = (await app.api.request('GET', `/api/sessions/${session}/runs`)).body as Array<{ id: string; stopped?: boolean }>;
    expect(listed.find((r) => r.id === id)?.stopped).toBe(true);
  });

  it('a run killed by itself (137) is not marked stopped', async () => {
    const r = await app.api.run(session, 'kill -9 $$');
    expect(r.exitCode, r.text).toBe(137);
    expect(r.messages.find((m) => m.type === 'exit')).not.toHaveProperty('stopped');
    expect(await app.api.info(r.id)).not.toHaveProperty('stopped');
  });
});
