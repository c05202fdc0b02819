/**
 * Whether a browser's Origin is this server's own: exactly `http://<Host>` or `https://<Host>`,
 * compared as whole strings (so `http://127.0.0.1:4321.evil.example` or another port never match).
 * `null` and malformed origins are refused. A missing Origin is for the caller to judge.
 */
export function originAllowed(origin: string, host: string): boolean {
  const h = host.trim().toLowerCase();
  const o = origin.trim().toLowerCase();
  return o === `http://${h}` || o === `https://${h}`;
}
