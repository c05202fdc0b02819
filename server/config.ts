import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseDockerHost, type DockerConnection } from './docker/docker-host.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4321),
  SANDBOX_IMAGE: z.string().min(1).default('runnable-docker-notes/sandbox:latest'),
  SITE_DIR: z.string().min(1).default(path.join(projectRoot, 'dist')),
  DOCKER_HOST: z.string().optional(),
  DOCKER_TLS_VERIFY: z.string().optional(),
  DOCKER_CERT_PATH: z.string().optional(),
  SSH_AUTH_SOCK: z.string().optional(),
});

/** Everything the server reads from its environment, validated once at start-up. */
export interface Config {
  host: string;
  port: number;
  sandboxImage: string;
  /** The built Astro site that the server serves. */
  siteDir: string;
  docker: DockerConnection;
}

/** Reads and validates the configuration; throws a readable error naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  return {
    host: e.HOST,
    port: e.PORT,
    sandboxImage: e.SANDBOX_IMAGE,
    siteDir: path.resolve(e.SITE_DIR),
    docker: parseDockerHost(e),
  };
}

export { projectRoot };
