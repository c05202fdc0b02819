/** min / median / p95 of a set of samples (milliseconds or any unit). */
export interface Summary {
  n: number;
  min: number;
  median: number;
  p95: number;
}

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { n: s.length, min: s[0]!, median: at(0.5), p95: at(0.95) };
}

/** Runs `fn` n times one after another and summarizes what it returns. */
export async function repeat(n: number, fn: (i: number) => Promise<number>): Promise<Summary> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return summarize(out);
}

export const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
export const now = () => process.hrtime.bigint();
export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
