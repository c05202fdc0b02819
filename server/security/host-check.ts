import net from 'node:net';

/** A Host header split into its name and optional port; null when malformed. */
export function parseHostHeader(value: string | undefined): { hostname: string; port?: number } | null {
  if (!value || value.length > 255) return null;
  const v = value.trim().toLowerCase();
  let hostname: string;
  let portText: string | undefined;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return null;
    hostname = v.slice(1, end);
    const rest = v.slice(end + 1);
    if (rest && !rest.startsWith(':')) return null;
    portText = rest ? rest.slice(1) : undefined;
    if (!net.isIPv6(hostname)) return null;
  } else {
    const parts = v.split(':');
    if (parts.length > 2) return null;
    hostname = parts[0]!;
    portText = parts[1];
    if (/^[\d.]+$/.test(hostname)) {
      if (!net.isIPv4(hostname)) return null;
    } else if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(hostname)) {
      return null;
    }
  }
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return null;
    return { hostname, port: Number(portText) };
  }
  return { hostname };
}

/** Whether a (lower-case) host name or address is this machine's loopback: the one test, for Host headers and HOST alike. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || (net.isIPv4(hostname) && hostname.startsWith('127.'));
}

/**
 * Whether a Host header names this server: a loopback name or address, or a configured name.
 * Checked before anything else, so a DNS-rebinding page (whose Host is its own name) gets nothing.
 */
export function hostAllowed(value: string | undefined, allowedHosts: readonly string[]): boolean {
  const parsed = parseHostHeader(value);
  if (!parsed) return false;
  return isLoopback(parsed.hostname) || allowedHosts.includes(parsed.hostname);
}
