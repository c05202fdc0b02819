import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.ts';
import { startAppServer, type AppServer } from '../support/app-server.ts';
import { requireEngine } from '../support/engine.ts';

let app: AppServer | undefined;
let api: ApiClient;
let session: string;

beforeAll(async () => {
  await requireEngine();
  ({ api } = app = await startAppServer());
  session = await api.createSession();
});

afterAll(async () => {
  await app?.close();
});

/** HTTP status of a request made from inside the reader's sandbox. */
async function statusFromSandbox(method: string, url: string): Promise<string> {
  const r = await api.run(session, `curl -s -o /dev/null -w 'status=%{http_code}\\n' -X ${method} '${url}'`);
  return /status=(\d+)/.exec(r.text)?.[1] ?? `no status in: ${r.text}`;
}

describe('the registry mirror every sandbox shares is read-only to them', () => {
  it('serves pulls (the positive control)', async () => {
    const r = await api.run(session, 'docker pull -q ubuntu && docker run --rm ubuntu echo pulled-through-mirror');
    expect(r.text).toContain('pulled-through-mirror');
    expect(r.exitCode, r.text).toBe(0);
  });

  it.each([
    [
      'replace library/ubuntu',
      'docker tag ubuntu registry-mirror:5000/library/ubuntu:latest && docker push registry-mirror:5000/library/ubuntu:latest',
    ],
    ['add a new repository', 'docker tag ubuntu registry-mirror:5000/evil/planted:1 && docker push registry-mirror:5000/evil/planted:1'],
    [
      'add a tag to library/python',
      'docker tag ubuntu registry-mirror:5000/library/python:3.12-slim && docker push registry-mirror:5000/library/python:3.12-slim',
    ],
  ])('refuses a push that would %s', async (_what, command) => {
    const r = await api.run(session, `${command} 2>&1; echo "rc=$?"`);
    expect(r.text, r.text).not.toMatch(/rc=0\b/);
    expect(r.text).toMatch(/not allowed|read-only|405|denied|unsupported/i);
  });

  it.each([
    ['POST', 'http://registry-mirror:5000/v2/library/ubuntu/blobs/uploads/'],
    ['POST', 'http://registry-mirror:5000/v2/anything/new/blobs/uploads/'],
    ['DELETE', 'http://registry-mirror:5000/v2/library/ubuntu/manifests/latest'],
    ['PUT', 'http://registry-mirror:5000/v2/library/ubuntu/manifests/latest'],
  ])('answers %s %s with a refusal', async (method, url) => {
    expect(['405', '401', '403']).toContain(await statusFromSandbox(method, url));
  });

  it('still serves the stand-ins as built after those attempts', async () => {
    const r = await api.run(
      session,
      'docker rmi -f ubuntu >/dev/null 2>&1; docker pull -q ubuntu >/dev/null && docker run --rm ubuntu bash -c "echo still-the-stand-in"',
    );
    expect(r.text).toContain('still-the-stand-in');
  });
});
