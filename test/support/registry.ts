import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Credentials of the local auth registry that scripts/build-images.sh started. */
export interface AuthRegistry {
  address: string;
  user: string;
  password: string;
}

function stateDir(): string {
  return (
    process.env.RDN_STATE_DIR ??
    path.join(process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'runnable-docker-notes')
  );
}

/** Reads the generated credentials; fails with the command to run when they are missing. */
export function authRegistry(): AuthRegistry {
  const file = path.join(stateDir(), 'auth', 'credentials.env');
  if (!fs.existsSync(file)) {
    throw new Error(`No auth registry credentials at ${file}. Run \`sudo bash scripts/build-images.sh\` first.`);
  }
  const vars = Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { address: vars.AUTH_REGISTRY!, user: vars.AUTH_REGISTRY_USER!, password: vars.AUTH_REGISTRY_PASSWORD! };
}

/** The mirror registry's address on the host's loopback. */
export const MIRROR_ADDRESS = `127.0.0.1:${process.env.MIRROR_PORT ?? '5000'}`;
