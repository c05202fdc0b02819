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

/** CPU seconds by where they were spent: the engine's daemon, its shims (they copy a TTY's output), the server, this process, the whole machine. */
export interface CpuSplit {
  engine: number;
  shims: number;
  server: number;
  client: number;
  machine: number;
}

/** Pids of this machine's processes by command name (`comm`); a process gone meanwhile is skipped. */
function pidsNamed(names: Set<string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm: string;
    try {
      comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (names.has(comm)) out.set(comm, [...(out.get(comm) ?? []), Number(entry)]);
  }
  return out;
}

const sumCpu = (pids: number[] = []) =>
  pids.reduce((sum, pid) => {
    try {
      return sum + cpuSeconds(pid);
    } catch {
      return sum;
    }
  }, 0);

/** Busy CPU seconds of the whole machine so far (every state of /proc/stat's first line but idle and iowait). */
function machineBusySeconds(): number {
  const ticks = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!) / 100;
}

/**
 * Where a stream's CPU goes, when the engine runs on this machine: a snapshot now, and the seconds
 * spent since it. With two cores, the API's extra hop (server and client) competes with the engine's
 * own copying for the same CPUs, which is what moves its ratio to the raw stream.
 */
export function cpuSplitSnapshot(serverPid: number): () => CpuSplit {
  const pids = pidsNamed(new Set(['dockerd', 'containerd-shim', 'containerd-shim-runc-v2']));
  const read = (): CpuSplit => {
    const usage = process.cpuUsage();
    return {
      engine: sumCpu(pids.get('dockerd')),
      shims: sumCpu([...(pids.get('containerd-shim') ?? []), ...(pids.get('containerd-shim-runc-v2') ?? [])]),
      server: cpuSeconds(serverPid),
      client: (usage.user + usage.system) / 1e6,
      machine: machineBusySeconds(),
    };
  };
  const start = read();
  return () => {
    const end = read();
    return {
      engine: end.engine - start.engine,
      shims: end.shims - start.shims,
      server: end.server - start.server,
      client: end.client - start.client,
      machine: end.machine - start.machine,
    };
  };
}

/** Adds one split to another (for rounds). */
export function addSplit(a: CpuSplit, b: CpuSplit): CpuSplit {
  return {
    engine: a.engine + b.engine,
    shims: a.shims + b.shims,
    server: a.server + b.server,
    client: a.client + b.client,
    machine: a.machine + b.machine,
  };
}

export const NO_CPU: CpuSplit = { engine: 0, shims: 0, server: 0, client: 0, machine: 0 };
