import type { IncomingMessage } from 'node:http';
import net from 'node:net';

/** An address as Node reports it, without the IPv4-in-IPv6 wrapping (`::ffff:1.2.3.4`). */
export function normalizeAddress(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
}

/** One X-Forwarded-For entry as an address: `1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `::1`; '' when not one. */
function hopAddress(entry: string): string {
  let a = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  a = normalizeAddress(a);
  return net.isIP(a) ? a : '';
}

/**
 * The address that identifies the client of a request. From a trusted proxy, it is the right-most
 * X-Forwarded-For hop that is not itself a trusted proxy (each proxy appends the address it saw,
 * so everything left of that is the client's own say and may be forged); otherwise the socket's.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: readonly string[]): string {
  const peer = normalizeAddress(req.socket.remoteAddress);
  if (!trustedProxies.includes(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hopAddress(hops[i]!);
    // A hop that is not an address means a misbehaving proxy: count it as the proxy itself.
    if (!hop) return peer;
    if (!trustedProxies.includes(hop)) return hop;
  }
  return peer;
}

/** The first 64 bits of an IPv6 address, as hex groups. */
function ipv6Prefix64(a: string): string {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail counts as two groups; it is past the first 64 bits anyway.
  const rightGroups = right.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - rightGroups).fill('0'), ...right];
  return groups
    .slice(0, 4)
    .map((g) => (g || '0').toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':');
}

/**
 * The key that counts one client for limits: the IPv4 address, or the IPv6 /64 (one host gets a
 * whole /64, so single IPv6 addresses would let it rotate at will).
 */
export function clientKey(address: string): string {
  if (net.isIPv6(address)) return `${ipv6Prefix64(address)}::/64`;
  return address || 'unknown';
}

/**
 * Whether the visitor reached the site over HTTPS: a TLS socket, or a trusted proxy that says so
 * (the right-most X-Forwarded-Proto, the one the proxy itself set).
 */
export function overHttps(req: IncomingMessage, trustedProxies: readonly string[]): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  if (!trustedProxies.includes(normalizeAddress(req.socket.remoteAddress))) return false;
  const header = req.headers['x-forwarded-proto'];
  const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').pop()?.trim().toLowerCase();
  return last === 'https';
}
