import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseCookies } from 'cookie';
import { clientAddress, clientKey, normalizeAddress, overHttps } from './client-address.ts';
import { hostAllowed } from './host-check.ts';
import { originAllowed } from './origin-check.ts';
import { sameToken } from './token.ts';

/**
 * Who is calling: a browser (its cookie: after a visit with the token, or after a login), a user
 * named by a trusted reverse proxy, or a script holding the token (which sees everything).
 */
export type Principal = { kind: 'browser'; id: string; login?: LoginIdentity } | { kind: 'user'; name: string } | { kind: 'token' };

/** Who a password login said they are (the login form's name) and which password they used. */
export interface LoginIdentity {
  name: string;
  role: 'attendee' | 'instructor';
}

export type GuardResult = { ok: true; principal: Principal } | { ok: false; status: number; message: string };

export const COOKIES = { token: 'rdn_token', browser: 'rdn_browser', login: 'rdn_login' } as const;

/** How long a login lasts (its cookie's max-age, and its entry on the server). */
export const LOGIN_TTL_MS = 12 * 3600_000;

const BROWSER_ID = /^[A-Za-z0-9_-]{16,64}$/;
const USER_NAME = /^[\w.@+-]{1,128}$/;

/** How callers prove who they are, besides the token that always works for scripts. */
export interface GuardSettings {
  token: string;
  allowedHosts: readonly string[];
  /** Hosted mode with a password: browsers log in at /login and carry a signed cookie. */
  passwordLogin: boolean;
  /** Hosted mode behind a proxy: this header names the user, believed only from these addresses. */
  trustedProxyHeader?: string | undefined;
  trustedProxies: readonly string[];
  /** Signs login cookies; random per process unless configured. */
  cookieSecret: Buffer;
}

/** A key naming a principal, used as the owner of sessions. */
export function principalKey(p: Principal): string {
  if (p.kind === 'token') return 'token';
  return p.kind === 'user' ? `user:${p.name}` : `browser:${p.id}`;
}

export function newBrowserId(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/**
 * The checks every API request and every WebSocket upgrade passes, in this order:
 * Host (DNS rebinding), Origin (cross-site requests), then who the caller is.
 */
export class RequestGuard {
  readonly #s: GuardSettings;
  /** Logins the server issued and has not revoked, with their expiry: a cookie alone is not enough. */
  readonly #logins = new Map<string, number>();
  readonly #loginIdentities = new Map<string, LoginIdentity>();

  constructor(settings: GuardSettings) {
    this.#s = settings;
  }

  /** Whether pages, not only the API, need a signed-in caller (hosted modes). */
  get hosted(): boolean {
    return this.#s.passwordLogin || this.#s.trustedProxyHeader !== undefined;
  }

  get passwordLogin(): boolean {
    return this.#s.passwordLogin;
  }

  /** Host check alone: for every request, pages included. */
  checkHost(req: IncomingMessage): GuardResult | null {
    if (hostAllowed(req.headers.host, this.#s.allowedHosts)) return null;
    return { ok: false, status: 421, message: 'This server does not answer to that Host name. Open it by the address it printed.' };
  }

  /** Whether a token offered in a page URL is the right one. */
  tokenMatches(token: string): boolean {
    return sameToken(token, this.#s.token);
  }

  /** Starts a login for a (fresh) browser id and returns its cookie value: the id and an HMAC. */
  loginCookie(browserId: string, now = Date.now(), identity?: LoginIdentity): string {
    this.#logins.set(browserId, now + LOGIN_TTL_MS);
    if (identity) this.#loginIdentities.set(browserId, identity);
    return `${browserId}.${this.#sign(`login:${browserId}`)}`;
  }

  /** The browser cookie's value for an id: signed, so only ids this server made are ever taken. */
  browserCookie(browserId: string): string {
    return `${browserId}.${this.#sign(`browser:${browserId}`)}`;
  }

  /** The browser id a request's browser cookie carries, when this server signed it. */
  browserIdOf(req: IncomingMessage): string | undefined {
    return this.#verified('browser', parseCookies(req.headers.cookie ?? '')[COOKIES.browser]);
  }

  /**
   * Ends the request's login on the server: its cookie, even replayed, no longer signs anyone in.
   * Returns the login's browser id (whose sessions the caller closes), when it was one.
   */
  revokeLogin(req: IncomingMessage): string | undefined {
    const id = this.#verified('login', parseCookies(req.headers.cookie ?? '')[COOKIES.login]);
    this.#loginIdentities.delete(id ?? '');
    if (id && this.#logins.delete(id)) return id;
    return undefined;
  }

  /** Forgets the logins that have expired and returns their browser ids (whose sessions the caller closes). */
  endExpiredLogins(now = Date.now()): string[] {
    const ended: string[] = [];
    for (const [id, expires] of this.#logins) {
      if (expires > now) continue;
      this.#logins.delete(id);
      this.#loginIdentities.delete(id);
      ended.push(id);
    }
    return ended;
  }

  /** The key that counts this request's client for limits (login failures, sessions per address). */
  clientKey(req: IncomingMessage): string {
    return clientKey(clientAddress(req, this.#s.trustedProxies));
  }

  /** Whether cookies must be Secure: the visitor came over HTTPS, directly or through a trusted proxy. */
  overHttps(req: IncomingMessage): boolean {
    return overHttps(req, this.#s.trustedProxies);
  }

  #sign(value: string): string {
    return crypto.createHmac('sha256', this.#s.cookieSecret).update(value).digest('base64url');
  }

  #verified(kind: 'browser' | 'login', value: string | undefined): string | undefined {
    const [id, sig, extra] = (value ?? '').split('.');
    if (!id || !sig || extra !== undefined || !BROWSER_ID.test(id)) return undefined;
    return sameToken(sig, this.#sign(`${kind}:${id}`)) ? id : undefined;
  }

  /** Who the caller is, from the proxy header, the Authorization header or the cookies; null when unknown. */
  identify(req: IncomingMessage): Principal | { refused: string } | null {
    const header = this.#s.trustedProxyHeader;
    if (header && this.#s.trustedProxies.includes(normalizeAddress(req.socket.remoteAddress))) {
      const name = req.headers[header.toLowerCase()];
      if (typeof name === 'string' && USER_NAME.test(name)) return { kind: 'user', name };
    }
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(auth);
      if (m && sameToken(m[1]!, this.#s.token)) return { kind: 'token' };
      return { refused: 'Wrong token. Use the token that `npm start` printed (or TOKEN).' };
    }
    const cookies = parseCookies(req.headers.cookie ?? '');
    const browser = this.#verified('browser', cookies[COOKIES.browser]);
    const token = cookies[COOKIES.token];
    if (token && browser && sameToken(token, this.#s.token)) return { kind: 'browser', id: browser };
    const login = this.#s.passwordLogin ? this.#verified('login', cookies[COOKIES.login]) : undefined;
    if (login && (this.#logins.get(login) ?? 0) > Date.now()) {
      const identity = this.#loginIdentities.get(login);
      return { kind: 'browser', id: login, ...(identity ? { login: identity } : {}) };
    }
    return null;
  }

  /** Host, Origin and identity for an API request or upgrade; `stateChanging` requires a good Origin or none. */
  check(req: IncomingMessage, stateChanging: boolean): GuardResult {
    const host = this.checkHost(req);
    if (host) return host;
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, req.headers.host!)) {
      return { ok: false, status: 403, message: 'Requests from another origin are refused.' };
    }
    const who = this.identify(req);
    if (who && 'refused' in who) return { ok: false, status: 401, message: who.refused };
    if (who) {
      // A browser always sends Origin on POST and upgrades; refuse a cookie-borne change without one.
      if (who.kind === 'browser' && stateChanging && origin === undefined) {
        return { ok: false, status: 403, message: 'A browser request that changes state must carry its Origin.' };
      }
      return { ok: true, principal: who };
    }
    return {
      ok: false,
      status: 401,
      message: this.#s.passwordLogin
        ? 'Not signed in: log in at /login.'
        : 'No valid token. Open the URL `npm start` printed (it ends in ?token=…), or send Authorization: Bearer <token>.',
    };
  }
}
