/** How sandboxes get their Docker engine: their own (isolated) or the host's. */
export type SandboxMode = 'isolated' | 'host';

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
