/** How to reach a Docker engine, parsed from DOCKER_HOST the way the docker CLI reads it. */
export type DockerConnection =
  | { kind: 'unix'; socketPath: string; url: string }
  | { kind: 'tcp'; host: string; port: number; tls: boolean; certPath?: string; url: string }
  | { kind: 'ssh'; host: string; port: number; username?: string; agentSocket?: string; url: string };

export interface DockerHostEnv {
  DOCKER_HOST?: string;
  DOCKER_TLS_VERIFY?: string;
  DOCKER_CERT_PATH?: string;
  SSH_AUTH_SOCK?: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** Parses DOCKER_HOST (unix://, tcp://, ssh://, or host:port); throws with a hint on a malformed value. */
export function parseDockerHost(env: DockerHostEnv): DockerConnection {
  const raw = env.DOCKER_HOST?.trim();
  if (!raw) return { kind: 'unix', socketPath: DEFAULT_SOCKET, url: `unix://${DEFAULT_SOCKET}` };
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length) || DEFAULT_SOCKET;
    return { kind: 'unix', socketPath, url: `unix://${socketPath}` };
  }
  let parsed: URL;
  try {
    parsed = new URL(raw.includes('://') ? raw : `tcp://${raw}`);
  } catch {
    throw new Error(`DOCKER_HOST=${raw} is not a valid address. Use unix:///path, tcp://host:port or ssh://user@host.`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new Error(`DOCKER_HOST=${raw} names no host. Use tcp://host:port or ssh://user@host.`);
  if (parsed.protocol === 'ssh:') {
    return {
      kind: 'ssh',
      host,
      port: parsed.port ? Number(parsed.port) : 22,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {}),
      url: raw,
    };
  }
  if (parsed.protocol !== 'tcp:' && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`DOCKER_HOST=${raw} uses ${parsed.protocol}// which is not supported. Use unix://, tcp:// or ssh://.`);
  }
  // The docker CLI turns TLS on with DOCKER_TLS_VERIFY (any non-empty value) or the TLS port 2376.
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 2376 : 2375;
  const tls = Boolean(env.DOCKER_TLS_VERIFY) || port === 2376 || parsed.protocol === 'https:';
  return {
    kind: 'tcp',
    host,
    port,
    tls,
    ...(env.DOCKER_CERT_PATH ? { certPath: env.DOCKER_CERT_PATH } : {}),
    url: raw,
  };
}
