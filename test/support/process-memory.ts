import fs from 'node:fs';

/** The resident memory of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`No VmRSS for process ${pid}: is it running?`);
  return Number(kb) * 1024;
}
