import { pack } from 'tar-stream';

/** A file to put into a sandbox. */
export interface SandboxFile {
  /** Path relative to the folder the archive is extracted into. */
  path: string;
  content: string | Buffer;
  mode?: number;
}

/**
 * Packs files into an in-memory tar, the format the Engine API's archive upload takes. With an
 * owner, the files and their folders (listed first, so the engine does not make them root's) get it.
 */
export async function tarFiles(files: SandboxFile[], owner?: { uid: number; gid: number }): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  if (owner) {
    const dirs = new Set<string>();
    for (const f of files) {
      const parts = f.path.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    for (const d of [...dirs].sort()) p.entry({ name: `${d}/`, type: 'directory', mode: 0o755, mtime: new Date(), ...owner });
  }
  for (const f of files) {
    const body = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
    p.entry({ name: f.path, mode: f.mode ?? 0o644, mtime: new Date(), ...(owner ?? {}) }, body);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
