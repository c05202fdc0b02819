import fs from 'node:fs';
import type { Engine } from '../docker/engine.ts';

/** The alias and address under which sandboxes reach the local auth registry (its port inside its container). */
const LOCAL_ALIAS = 'registry-auth';
const LOCAL_ADDRESS = `${LOCAL_ALIAS}:5000`;

/** The registry the pages push to and pull from (`$REGISTRY` in every run). */
export interface SiteRegistry {
  /** host[:port] as a reader types it, e.g. `registry-auth:5000` or `docker.io`. */
  name: string;
  /** True when it is this site's own registry (the local auth registry), whose account the page shows. */
  local: boolean;
  /** The account of the local registry; undefined for an outside registry (the reader brings their own). */
  user?: string | undefined;
  password?: string | undefined;
  /** A container on the host engine to join to every session network, and plain-HTTP registries. */
  attach: Array<{ container: string; alias: string }>;
  insecure: string[];
}

export interface SiteRegistryOptions {
  /** NOTES_REGISTRY when set: the deployment names its registry, nothing is worked out. */
  configured: string | undefined;
  /** The local auth registry's container (scripts/build-images.sh starts it). */
  container: string;
  /** Its generated credentials (KEY=value lines). */
  credentialsFile: string;
  /**
   * Hosted mode (a class, a team): the local registry is one account shared by everyone who sees its
   * password, so anyone could replace what another pushed; it is used only when NOTES_REGISTRY names it.
   */
  hosted: boolean;
  /** Host mode: the host's own engine pushes, and reaches the registry on loopback, not by alias. */
  mode: 'isolated' | 'host';
}

/** Reads AUTH_REGISTRY_USER / AUTH_REGISTRY_PASSWORD from the credentials file, or undefined. */
export function readRegistryCredentials(file: string): { user: string; password: string; address?: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) vars.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  const user = vars.get('AUTH_REGISTRY_USER');
  const password = vars.get('AUTH_REGISTRY_PASSWORD');
  if (!user || !password) return undefined;
  return { user, password, address: vars.get('AUTH_REGISTRY') };
}

/**
 * Works out once, at start-up, which registry the pages use: NOTES_REGISTRY when set; else, for a local
 * single user, the local auth registry when its container runs (joined to every session network, over
 * plain HTTP, with its account shown on the page), so the image page runs top to bottom with no
 * settings; else Docker Hub.
 */
export async function resolveSiteRegistry(engine: Engine, o: SiteRegistryOptions, log: (line: string) => void): Promise<SiteRegistry> {
  const hub: SiteRegistry = { name: o.configured ?? 'docker.io', local: false, attach: [], insecure: [] };
  if (o.configured) return hub;
  let running = false;
  try {
    running = await engine.containerRunning(o.container);
  } catch (err) {
    log(
      `Pages push to Docker Hub: the engine did not answer whether ${o.container} runs (${(err as Error).message.split('\n')[0]}). Restart the server once the engine runs to use the local registry.`,
    );
    return hub;
  }
  if (!running) return hub;
  if (o.hosted) {
    log(
      `Pages push to Docker Hub: in hosted mode the local registry (${o.container}) is not chosen by default, since all readers would share one account. Set NOTES_REGISTRY to a registry with an account per person.`,
    );
    return hub;
  }
  const account = readRegistryCredentials(o.credentialsFile);
  if (!account) {
    log(`Pages push to Docker Hub: ${o.container} runs but its credentials are not readable at ${o.credentialsFile}. Rerun scripts/build-images.sh.`);
    return hub;
  }
  if (o.mode === 'host') {
    // The host's engine resolves no session alias, and trusts plain HTTP on loopback by itself.
    if (!account.address) return hub;
    log(`Pages push to the local registry at ${account.address} (host mode: the host's engine pushes), user ${account.user}.`);
    return { name: account.address, local: true, user: account.user, password: account.password, attach: [], insecure: [] };
  }
  log(`Pages push to the local registry (container ${o.container}, as ${LOCAL_ADDRESS} in sandboxes, user ${account.user}).`);
  return {
    name: LOCAL_ADDRESS,
    local: true,
    user: account.user,
    password: account.password,
    attach: [{ container: o.container, alias: LOCAL_ALIAS }],
    insecure: [LOCAL_ADDRESS],
  };
}
