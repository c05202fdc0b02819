import { fmt, summarize, type Summary } from './stats.ts';

/**
 * The steps of the sandboxes a server made, read from its "Sandbox made: queued 10 ms, network
 * 20 ms, … (total 900 ms)" log lines: where the time of a burst of new sessions goes.
 */
export function sandboxSteps(serverLog: string): Record<string, Summary> {
  const byStep = new Map<string, number[]>();
  // The engine's step has a line of its own: the sandbox is handed out before its engine answers.
  for (const [, steps] of serverLog.matchAll(/Sandbox (?:made|engine ready): (.*?) \(total/g)) {
    for (const [, name, value] of steps!.matchAll(/([a-z-]+) (\d+) ms/g)) {
      byStep.set(name!, [...(byStep.get(name!) ?? []), Number(value)]);
    }
  }
  return Object.fromEntries([...byStep].map(([name, values]) => [name, summarize(values)]));
}

/** `queued 0.0/12.1 s, engine 3.2/9.9 s, …` (median/p95 of each step, in seconds). */
export function stepsLine(steps: Record<string, Summary>): string {
  return Object.entries(steps)
    .map(([name, s]) => `${name} ${fmt(s.median / 1000)}/${fmt(s.p95 / 1000)}`)
    .join(', ');
}
