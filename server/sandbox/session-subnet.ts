/**
 * Small subnets for session networks. The engine's default address pools hold only about 30
 * bridge networks (one /16 each), so past ~25 sessions network creation fails; carving /28s out
 * of one configured range (10.213.0.0/16 by default: 4096 networks) lifts that.
 */
export function subnetCandidates(base: string, sessionId: string, tries = 24): string[] {
  const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(base);
  if (!m) throw new Error(`SANDBOX_SUBNETS must be a /16 such as 10.213.0.0/16, not ${base}`);
  // Start at a place derived from the session id, then walk on: few collisions, no shared state.
  let h = 0;
  for (const c of sessionId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const out: string[] = [];
  for (let i = 0; i < tries; i++) {
    const block = (h + i * 97) % 4096;
    out.push(`${m[1]}.${m[2]}.${block >> 4}.${(block & 15) * 16}/28`);
  }
  return out;
}
