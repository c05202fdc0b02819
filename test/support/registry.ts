import { loadConfig } from '../../server/config.ts';
import { readRegistryCredentials } from '../../server/registry/site-registry.ts';

/** Credentials of the local auth registry that scripts/build-images.sh started. */
export interface AuthRegistry {
  address: string;
  user: string;
  password: string;
}

/** Reads the generated credentials where the server reads them; fails with the command to run when missing. */
export function authRegistry(): AuthRegistry {
  const file = loadConfig(process.env).authRegistryCredentials;
  const account = readRegistryCredentials(file);
  if (!account?.address) {
    throw new Error(`No auth registry credentials at ${file}. Run \`sudo bash scripts/build-images.sh\` first.`);
  }
  return { address: account.address, user: account.user, password: account.password };
}

/** The mirror registry's address on the host's loopback. */
export const MIRROR_ADDRESS = `127.0.0.1:${process.env.MIRROR_PORT ?? '5000'}`;
