import { pack } from 'tar-stream';

/** A file to put into a sandbox. */
export interface SandboxFile {
  /** Path relative to the folder the archive is extracted into. */
  path: string;
  content: string | Buffer;
  mode?: number;
}

/** Packs files into an in-memory tar, the format the Engine API's archive upload takes. */
export async function tarFiles(files: SandboxFile[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  for (const f of files) {
    const body = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
    p.entry({ name: f.path, mode: f.mode ?? 0o644, mtime: new Date() }, body);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
