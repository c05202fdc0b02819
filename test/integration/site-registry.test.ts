import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/security/password.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';
import { authRegistry } from '../support/registry.ts';

const started: AppServer[] = [];
async function server(env: Record<string, string> = {}): Promise<AppServer> {
  await requireEngine();
  const app = await startAppServer(env);
  started.push(app);
  return app;
}

afterAll(async () => {
  await Promise.all(started.map((a) => a.close()));
});

describe("the pages' registry, worked out at start-up", () => {
  it('with no settings, a running local auth registry is $REGISTRY, reachable and logged in to with the account the API shows', async () => {
    const { api } = await server();
    const account = authRegistry();
    const info = await api.request('GET', '/api/registry');
    expect(info.status).toBe(200);
    expect(info.body).toEqual({ registry: 'registry-auth:5000', local: true, user: account.user, password: account.password });
    const session = await api.createSession();
    const r = await api.run(
      session,
      `echo "registry=$REGISTRY"; printf '%s' '${info.body.password}' | docker login "$REGISTRY" -u '${info.body.user}' --password-stdin && docker logout "$REGISTRY"`,
    );
    expect(r.text).toContain('registry=registry-auth:5000');
    expect(r.text).toContain('Login Succeeded');
    expect(r.exitCode, r.text).toBe(0);
  });

  it('NOTES_REGISTRY wins, and an outside registry shows no account', async () => {
    const { api } = await server({ NOTES_REGISTRY: 'registry.example:5000' });
    const info = await api.request('GET', '/api/registry');
    expect(info.body).toEqual({ registry: 'registry.example:5000', local: false });
  });

  it('without the local registry container the pages use Docker Hub, and the API says so', async () => {
    const { api, server: s } = await server({ AUTH_REGISTRY_CONTAINER: 'runnable-docker-notes-no-such-registry' });
    const info = await api.request('GET', '/api/registry');
    expect(info.body).toEqual({ registry: 'docker.io', local: false });
    expect(s.output()).not.toMatch(/Pages push to the local registry/);
  });

  it('in hosted mode the shared local account is neither chosen nor shown: one reader could replace what another pushed', async () => {
    const { api, server: s } = await server({ NOTES_PASSWORD_HASH: hashPassword('site-registry-hosted') });
    const info = await api.request('GET', '/api/registry');
    expect(info.body).toEqual({ registry: 'docker.io', local: false });
    expect(JSON.stringify(info.body)).not.toContain(authRegistry().password);
    expect(s.output()).toMatch(/hosted mode the local registry .* is not chosen by default/);
  });

  it('the account is not shown to a caller without the token', async () => {
    const { server: s } = await server();
    const res = await fetch(`${s.url}/api/registry`);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(authRegistry().password);
  });
});
