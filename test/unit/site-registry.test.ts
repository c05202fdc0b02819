import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../server/docker/engine.ts';
import { readRegistryCredentials, resolveSiteRegistry } from '../../server/registry/site-registry.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdn-creds-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const creds = path.join(dir, 'credentials.env');
fs.writeFileSync(creds, 'AUTH_REGISTRY_USER=notes\nAUTH_REGISTRY_PASSWORD=s3cr=t\nAUTH_REGISTRY=127.0.0.1:5001\n');

/** Only what resolveSiteRegistry asks of the engine. */
const engine = (running: boolean | Error) =>
  ({
    containerRunning: async () => {
      if (running instanceof Error) throw running;
      return running;
    },
  }) as unknown as Engine;
const lines: string[] = [];
const LOCAL = { hosted: false, mode: 'isolated' } as const;
const log = (l: string) => lines.push(l);

describe('which registry the pages use', () => {
  it('reads the account, keeping "=" inside the password', () => {
    expect(readRegistryCredentials(creds)).toEqual({ user: 'notes', password: 's3cr=t', address: '127.0.0.1:5001' });
    expect(readRegistryCredentials(path.join(dir, 'missing.env'))).toBeUndefined();
  });

  it('NOTES_REGISTRY wins without asking the engine', async () => {
    const r = await resolveSiteRegistry(
      engine(new Error('not asked')),
      { configured: 'registry.example', container: 'c', credentialsFile: creds, ...LOCAL },
      log,
    );
    expect(r).toEqual({ name: 'registry.example', local: false, attach: [], insecure: [] });
  });

  it('the running local registry: attached, plain HTTP, with its account', async () => {
    const r = await resolveSiteRegistry(engine(true), { configured: undefined, container: 'auth', credentialsFile: creds, ...LOCAL }, log);
    expect(r).toEqual({
      name: 'registry-auth:5000',
      local: true,
      user: 'notes',
      password: 's3cr=t',
      attach: [{ container: 'auth', alias: 'registry-auth' }],
      insecure: ['registry-auth:5000'],
    });
  });

  it('hosted mode does not hand one shared account to every reader: Docker Hub unless NOTES_REGISTRY says otherwise', async () => {
    lines.length = 0;
    const r = await resolveSiteRegistry(
      engine(true),
      { configured: undefined, container: 'auth', credentialsFile: creds, hosted: true, mode: 'isolated' },
      log,
    );
    expect(r).toEqual({ name: 'docker.io', local: false, attach: [], insecure: [] });
    expect(lines.join('\n')).toMatch(/hosted mode.*not chosen by default.*NOTES_REGISTRY/);
  });

  it('host mode: the host engine pushes to the registry on loopback, with nothing attached', async () => {
    const r = await resolveSiteRegistry(
      engine(true),
      { configured: undefined, container: 'auth', credentialsFile: creds, hosted: false, mode: 'host' },
      log,
    );
    expect(r).toEqual({ name: '127.0.0.1:5001', local: true, user: 'notes', password: 's3cr=t', attach: [], insecure: [] });
  });

  it('Docker Hub when the container is not running, its credentials are missing, or the engine does not answer (and says why)', async () => {
    const opts = { configured: undefined, container: 'auth', credentialsFile: creds, ...LOCAL };
    expect((await resolveSiteRegistry(engine(false), opts, log)).name).toBe('docker.io');
    lines.length = 0;
    expect((await resolveSiteRegistry(engine(true), { ...opts, credentialsFile: path.join(dir, 'none') }, log)).name).toBe('docker.io');
    expect(lines.join('\n')).toMatch(/credentials are not readable.*Rerun scripts\/build-images.sh/);
    lines.length = 0;
    expect((await resolveSiteRegistry(engine(new Error('connect ENOENT')), opts, log)).name).toBe('docker.io');
    expect(lines.join('\n')).toMatch(/did not answer.*connect ENOENT/);
  });
});
