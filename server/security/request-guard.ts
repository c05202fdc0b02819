import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseCookies } from 'cookie';
import { hostAllowed } from './host-check.ts';
import { originAllowed } from './origin-check.ts';
import { sameToken } from './token.ts';

/** Who is calling: a browser (its cookie) or a script holding the token. */
export type Principal = { kind: 'browser'; id: string } | { kind: 'token' };

export type GuardResult = { ok: true; principal: Principal } | { ok: false; status: number; message: string };

export const COOKIES = { token: 'rdn_token', browser: 'rdn_browser' } as const;

const BROWSER_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** A key naming a principal, used as the owner of sessions. */
export function principalKey(p: Principal): string {
  return p.kind === 'token' ? 'token' : `browser:${p.id}`;
}

export function newBrowserId(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/**
 * The checks every API request and every WebSocket upgrade passes, in this order:
 * Host (DNS rebinding), Origin (cross-site requests), then the token (header or cookie).
 */
export class RequestGuard {
  readonly #token: string;
  readonly #allowedHosts: readonly string[];

  constructor(token: string, allowedHosts: readonly string[]) {
    this.#token = token;
    this.#allowedHosts = allowedHosts;
  }

  /** Host check alone: for every request, pages included. */
  checkHost(req: IncomingMessage): GuardResult | null {
    if (hostAllowed(req.headers.host, this.#allowedHosts)) return null;
    return { ok: false, status: 421, message: 'This server does not answer to that Host name. Open it by the address it printed.' };
  }

  /** Whether a token offered in a page URL is the right one. */
  tokenMatches(token: string): boolean {
    return sameToken(token, this.#token);
  }

  /** Host, Origin and auth for an API request or upgrade; `stateChanging` requires a good Origin or none. */
  check(req: IncomingMessage, stateChanging: boolean): GuardResult {
    const host = this.checkHost(req);
    if (host) return host;
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, req.headers.host!)) {
      return { ok: false, status: 403, message: 'Requests from another origin are refused.' };
    }
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(auth);
      if (m && sameToken(m[1]!, this.#token)) return { ok: true, principal: { kind: 'token' } };
      return { ok: false, status: 401, message: 'Wrong token. Use the token that `npm start` printed (or TOKEN).' };
    }
    const cookies = parseCookies(req.headers.cookie ?? '');
    const token = cookies[COOKIES.token];
    const browser = cookies[COOKIES.browser];
    if (token && browser && BROWSER_ID.test(browser) && sameToken(token, this.#token)) {
      // A browser always sends Origin on POST and upgrades; refuse a cookie-borne change without one.
      if (stateChanging && origin === undefined) {
        return { ok: false, status: 403, message: 'A browser request that changes state must carry its Origin.' };
      }
      return { ok: true, principal: { kind: 'browser', id: browser } };
    }
    return {
      ok: false,
      status: 401,
      message: 'No valid token. Open the URL `npm start` printed (it ends in ?token=…), or send Authorization: Bearer <token>.',
    };
  }
}
