import path from 'node:path';

/**
 * The path of a request as the static file server resolves it: without the query, percent-decoded,
 * with `.`/`..` segments and repeated slashes resolved. A decision about a path (which page is
 * hidden, which port link is meant) must be taken on this, not on the path as sent: `/%77orkshop.json`,
 * `//workshop.json` and `/x/../workshop.json` all fetch /workshop.json. Undefined when the path cannot
 * be decoded (the file server refuses it too).
 */
export function resolvedPath(rawUrl: string): string | undefined {
  const q = rawUrl.indexOf('?');
  const raw = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  return path.posix.normalize(`/${decoded}`);
}

/** A request's URL (dot segments resolved, as a browser resolves them), or undefined when it is no URL (`//[`). */
export function requestUrl(rawUrl: string): URL | undefined {
  try {
    return new URL(rawUrl, 'http://localhost');
  } catch {
    return undefined;
  }
}
