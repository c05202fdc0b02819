import type http from 'node:http';

/**
 * Response headers a container's page may send to the visitor's browser through a port link.
 * An allow-list, not a block-list: anything else (Set-Cookie, Clear-Site-Data, Refresh, Link,
 * Service-Worker-Allowed, CORS, CSP, HSTS, Alt-Svc, Permissions-Policy, Report-To, ...) would act
 * on the notes site's own origin, so it is dropped. Hop-by-hop headers (Transfer-Encoding,
 * Connection, Keep-Alive) are the server's own business and are dropped too.
 */
const RESPONSE_ALLOWED = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-range',
  'accept-ranges',
  'cache-control',
  'expires',
  'etag',
  'last-modified',
  'vary',
  'date',
  'age',
]);

/**
 * Request headers a visitor's browser may pass to a container through a port link. An allow-list
 * too: the visitor's cookie and token, and whatever a signing-in proxy in front of the site adds
 * (its user header, X-Auth-Request-*, X-Forwarded-User/Email/Access-Token, X-Real-IP,
 * Proxy-Authorization, Forwarded, ...), name or prove who the visitor is, and a third-party image
 * must not learn or replay that. What remains is content negotiation, caching and body framing.
 */
const REQUEST_ALLOWED = new Set([
  'accept',
  'accept-language',
  'accept-encoding',
  'cache-control',
  'pragma',
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'transfer-encoding',
  'user-agent',
  'range',
  'if-range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'x-requested-with',
]);

/** A WebSocket handshake also needs its own headers (Connection and Upgrade only then). */
const REQUEST_UPGRADE_ALLOWED = new Set([
  ...REQUEST_ALLOWED,
  'connection',
  'upgrade',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

/** The headers a container gets for a visitor's request: allow-listed ones, and its own Host. */
export function portRequestHeaders(
  headers: http.IncomingHttpHeaders,
  upgrade: boolean,
  target: { host: string; port: number },
): http.OutgoingHttpHeaders {
  const out = pick(headers, upgrade ? REQUEST_UPGRADE_ALLOWED : REQUEST_ALLOWED);
  out.host = `${target.host}:${target.port}`;
  return out;
}

/** What a WebSocket handshake answer needs, and nothing that could act on the site. */
const UPGRADE_ALLOWED = new Set(['sec-websocket-accept', 'sec-websocket-protocol', 'sec-websocket-extensions']);

/**
 * The page is served with an opaque origin (CSP sandbox without allow-same-origin): its scripts
 * cannot read the site's cookies or call the API as the visitor.
 */
export const SANDBOX_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads';

// Header values are written back out; refuse anything a header line cannot carry as is.
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function pick(headers: http.IncomingHttpHeaders, allowed: Set<string>): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!allowed.has(k) || v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    if (values.every((x) => SAFE_VALUE.test(x))) out[k] = v;
  }
  return out;
}

/**
 * A container's Location, kept only when it points inside the same port link: a path or relative
 * URL is resolved against the container-side request path and put back under `prefix`; an
 * absolute URL is kept only when it names the container's own address and port. Anything else
 * (another site, another port link, the notes site itself) is dropped.
 */
export function rewriteLocation(location: string, requestPath: string, prefix: string, target: { host: string; port: number }): string | undefined {
  const base = 'http://container.invalid';
  let resolved: URL;
  try {
    resolved = new URL(location, new URL(requestPath, base));
  } catch {
    return undefined;
  }
  const own =
    resolved.origin === base ||
    (['localhost', '127.0.0.1', target.host].includes(resolved.hostname) &&
      Number(resolved.port || 80) === target.port &&
      resolved.protocol === 'http:');
  if (!own) return undefined;
  return `${prefix}${resolved.pathname.slice(1)}${resolved.search}${resolved.hash}`;
}

/** The headers of a proxied HTTP answer, as the browser gets them. */
export function portResponseHeaders(
  headers: http.IncomingHttpHeaders,
  requestPath: string,
  prefix: string,
  target: { host: string; port: number },
): http.OutgoingHttpHeaders {
  const out = pick(headers, RESPONSE_ALLOWED);
  const location = typeof headers.location === 'string' ? rewriteLocation(headers.location, requestPath, prefix, target) : undefined;
  if (location !== undefined) out.location = location;
  out['content-security-policy'] = SANDBOX_CSP;
  out['x-content-type-options'] = 'nosniff';
  return out;
}

/** The head of a proxied WebSocket handshake answer (101), as the browser gets it. */
export function upgradeResponseHead(res: http.IncomingMessage): string {
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Connection: Upgrade',
    `Upgrade: ${SAFE_VALUE.test(res.headers.upgrade ?? '') ? res.headers.upgrade : 'websocket'}`,
  ];
  for (const [k, v] of Object.entries(pick(res.headers, UPGRADE_ALLOWED))) lines.push(`${k}: ${String(v)}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The head of a plain answer to an upgrade request (the container refused to upgrade). */
export function plainResponseHead(status: number, headers: http.OutgoingHttpHeaders): string {
  const lines = [`HTTP/1.1 ${status} Proxied`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${String(x)}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
