import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../server/config.ts';
import { LABELS } from '../../server/docker/labels.ts';
import { retryUntil } from '../../server/retry-until.ts';

export interface CommandResult {
  status: number | null;
  output: string;
}

/** Runs a command to its end (never through a shell), with its stdout and stderr together. */
export function runCommand(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: projectRoot, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** The compose v2 plugin when the docker CLI has it, else Debian's `docker-compose` (v1): HOSTING.md names both. */
export function composeCommand(): string[] {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  throw new Error("Neither `docker compose` nor `docker-compose` runs: install the compose plugin or Debian's docker-compose package.");
}

async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Builds the notes image with scripts/build-notes-image.sh, which reuses it when none of its inputs changed. */
export async function buildNotesImage(): Promise<void> {
  const build = await runCommand('bash', ['scripts/build-notes-image.sh'], { timeoutMs: 600_000 });
  if (build.status !== 0)
    throw new Error(`Expected scripts/build-notes-image.sh to build the image; it ended with ${build.status}:\n${build.output}`);
}

export interface ComposeStackOptions {
  /** The scrypt hash of the class password (NOTES_PASSWORD_HASH). */
  passwordHash: string;
  /** The scrypt hash of the instructors' password (INSTRUCTOR_PASSWORD_HASH); without it the stack has no room. */
  instructorPasswordHash?: string;
  sandboxImage: string;
  /** Extra compose files after compose.yaml, as HOSTING.md names them (compose.offline.yaml). */
  files: string[];
}

/** compose.yaml brought up under a project, container names, network, port and INSTANCE of its own. */
export interface ComposeStack {
  url: string;
  project: string;
  /** The notes container's name. */
  container: string;
  /** INSTANCE of the server inside: every sandbox it makes carries it as a label. */
  instance: string;
  compose(...args: string[]): Promise<CommandResult>;
  /** The notes container's last log lines, for failure messages. */
  logs(): Promise<string>;
  /** `down -v`, then removes whatever the server's sandboxes left (containers, networks, volumes). */
  remove(): Promise<void>;
}

/**
 * Starts the stack the way HOSTING.md says (an env file, `up -d`), with names unique to this run so
 * that it never meets a host's own stack or another test run. Settings go through an env file in
 * the same format HOSTING.md writes into .env (a .env in the clone is a host's own, never touched).
 */
export async function startComposeStack(opts: ComposeStackOptions): Promise<ComposeStack> {
  const id = crypto.randomBytes(4).toString('hex');
  const project = `rdn-selfhost-${id}`;
  const port = await freeLoopbackPort();
  const settings: Record<string, string> = {
    NOTES_PASSWORD_HASH: opts.passwordHash,
    // Empty is unset for compose.yaml, as in a host's .env without the line.
    INSTRUCTOR_PASSWORD_HASH: opts.instructorPasswordHash ?? '',
    DOCKER_GID: String(fs.statSync('/var/run/docker.sock').gid),
    PUBLISH_ADDRESS: '127.0.0.1',
    PUBLISH_PORT: String(port),
    NOTES_CONTAINER: project,
    CACHE_CONTAINER: `${project}-cache`,
    NOTES_NETWORK: project,
    INSTANCE: `selfhost-${id}`,
    SANDBOX_IMAGE: opts.sandboxImage,
    // One reader: no sandboxes kept warm beyond what the test uses.
    WARM_POOL: '0',
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdn-selfhost-'));
  const envFile = path.join(dir, 'env');
  fs.writeFileSync(
    envFile,
    Object.entries(settings)
      .map(([k, v]) => `${k}='${v}'\n`)
      .join(''),
    { mode: 0o600 },
  );
  // The settings come from the env file only: compose prefers the environment, so a variable of the
  // test's own environment (SANDBOX_IMAGE, INSTANCE) must not reach it.
  const composeEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in settings)));
  const base = composeCommand();
  const fileArgs = ['compose.yaml', ...opts.files].flatMap((f) => ['-f', f]);
  const compose = (...args: string[]) =>
    runCommand(base[0]!, [...base.slice(1), '--env-file', envFile, '-p', project, ...fileArgs, ...args], { env: composeEnv, timeoutMs: 180_000 });
  const stack: ComposeStack = {
    url: `http://127.0.0.1:${port}`,
    project,
    container: project,
    instance: settings.INSTANCE!,
    compose,
    logs: async () => (await runCommand('docker', ['logs', '--tail', '60', project])).output,
    remove: async () => {
      await compose('down', '-v', '--remove-orphans', '--timeout', '60');
      const label = `label=${LABELS.instance}=${settings.INSTANCE}`;
      const ids = async (kind: string[]) => (await runCommand('docker', [...kind, '-q', '--filter', label])).output.split(/\s+/).filter(Boolean);
      const containers = await ids(['ps', '-a']);
      if (containers.length) await runCommand('docker', ['rm', '-f', '-v', ...containers]);
      const networks = await ids(['network', 'ls']);
      if (networks.length) await runCommand('docker', ['network', 'rm', ...networks]);
      const volumes = await ids(['volume', 'ls']);
      if (volumes.length) await runCommand('docker', ['volume', 'rm', '-f', ...volumes]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const up = await compose('up', '-d');
  if (up.status !== 0) {
    await stack.remove();
    throw new Error(`\`${base.join(' ')} up -d\` failed with exit code ${up.status}:\n${up.output}`);
  }
  return stack;
}

/** Waits until the container's own healthcheck says healthy; fails at once when it exits or turns unhealthy. */
export async function waitHealthy(stack: ComposeStack, timeoutMs = 240_000): Promise<void> {
  let last = '';
  const healthy = await retryUntil(
    async () => {
      const r = await runCommand('docker', [
        'inspect',
        '-f',
        '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}',
        stack.container,
      ]);
      last = r.output.trim();
      if (last === 'running healthy') return true;
      // Exited, dead or unhealthy: no use waiting longer (false ends the retry).
      if (r.status !== 0 || /^(exited|dead)|unhealthy/.test(last)) return false;
      return undefined;
    },
    { delayMs: 500, timeoutMs },
  );
  if (healthy) return;
  const health = (await runCommand('docker', ['inspect', '-f', '{{json .State.Health}}', stack.container])).output;
  throw new Error(`Expected the notes container to become healthy; its state is "${last}".\nHealth: ${health}\nLogs:\n${await stack.logs()}`);
}
