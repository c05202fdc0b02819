import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../support/engine.ts';
import { authRegistry, type AuthRegistry } from '../support/registry.ts';

const run = promisify(execFile);
let registry: AuthRegistry;
let dockerConfig: string;
const tag = `t${Date.now().toString(36)}`;

/** The docker CLI with a throwaway config folder, so no login leaks into the user's ~/.docker. */
async function docker(args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('docker', args, { env: { ...process.env, DOCKER_CONFIG: dockerConfig } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

beforeAll(async () => {
  await requireEngine();
  registry = authRegistry();
  dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'rdn-docker-config-'));
});

afterAll(async () => {
  await run('docker', ['rmi', '-f', `${registry.address}/notes/whale:${tag}`]).catch(() => undefined);
  fs.rmSync(dockerConfig, { recursive: true, force: true });
});

describe('the local registry with htpasswd auth', () => {
  it('refuses a wrong password', async () => {
    const r = await docker(['login', '-u', registry.user, '--password-stdin', registry.address], 'not-the-password\n');
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(/unauthorized|401/i);
  });

  it('refuses a push without login', async () => {
    await run('docker', ['tag', 'ubuntu:latest', `${registry.address}/notes/whale:${tag}`]);
    const r = await docker(['push', `${registry.address}/notes/whale:${tag}`]);
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(/no basic auth credentials|unauthorized/i);
  });

  it('accepts login, push and pull with the generated credentials', async () => {
    const login = await docker(['login', '-u', registry.user, '--password-stdin', registry.address], `${registry.password}\n`);
    expect(login.code, login.out).toBe(0);
    expect(login.out).toContain('Login Succeeded');
    const push = await docker(['push', `${registry.address}/notes/whale:${tag}`]);
    expect(push.code, push.out).toBe(0);
    expect(push.out).toMatch(/digest: sha256:[0-9a-f]{64}/);
    await run('docker', ['rmi', `${registry.address}/notes/whale:${tag}`]);
    const pull = await docker(['pull', `${registry.address}/notes/whale:${tag}`]);
    expect(pull.code, pull.out).toBe(0);
    const run1 = await docker(['run', '--rm', `${registry.address}/notes/whale:${tag}`, 'bash', '-c', 'echo pulled-ok']);
    expect(run1.out).toContain('pulled-ok');
  });
});
