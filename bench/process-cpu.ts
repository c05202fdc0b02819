import fs from 'node:fs';

/**
 * CPU seconds a process has used (user + system, Linux /proc). Per GiB streamed it says what the
 * server's stream costs, which the shared machine's load moves far less than a rate in MB/s.
 */
export function cpuSeconds(pid: number): number {
  // Fields after the command's name, which is in parentheses and may hold spaces: utime is the 12th, stime the 13th.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
