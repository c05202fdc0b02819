/** How sandboxes get their Docker engine: their own (isolated) or the host's. */
export type SandboxMode = 'isolated' | 'host';

/**
 * Who holds root over an isolated sandbox's engine: `rootless` (the default) runs the inner engine
 * and every command as an unprivileged user, root only inside a user namespace; `rootful` is the
 * older Docker-in-Docker with a root engine, an opt-in for a single local user.
 */
export type SandboxIsolation = 'rootless' | 'rootful';

/** How an isolated sandbox gets the rights its inner dockerd needs. */
export type SandboxPrivilege = 'privileged' | 'capabilities';

/** Limits applied to every sandbox container (and, through its cgroup, to what it starts). */
export interface SandboxLimits {
  memoryBytes: number;
  nanoCpus: number;
  pids: number;
}

/** Everything the fixed create template needs besides the session. */
export interface SandboxSettings {
  /** Name of the server instance, put on every object so a restart sweeps only its own. */
  instance: string;
  image: string;
  mode: SandboxMode;
  isolation: SandboxIsolation;
  privilege: SandboxPrivilege;
  limits: SandboxLimits;
  /** Registry mirror URL handed to the inner engine, e.g. http://registry-mirror:5000. */
  registryMirror?: string | undefined;
  /** Registries the inner engine may reach over plain HTTP (host:port). */
  insecureRegistries: string[];
  /** A /16 to carve each session network's /28 from (the engine's default pools hold ~30 networks). */
  subnets?: string | undefined;
  /** Host engine's unix socket, bound into the sandbox in host mode. */
  hostSocket?: string | undefined;
}
