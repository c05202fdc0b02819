import type { IncomingMessage } from 'node:http';
import type { SerializeOptions } from 'cookie';
import type { RequestGuard } from '../security/request-guard.ts';

/**
 * The options of every cookie the server sets (token, browser id, login), in one place so they
 * cannot drift apart: HttpOnly (no script reads them), SameSite=Strict (no other site sends them),
 * the whole site, and Secure when the visitor came over HTTPS (directly or through a trusted proxy).
 * `maxAgeSeconds` 0 clears the cookie; without it, it lasts as long as the browser session.
 */
export function cookieOptions(guard: RequestGuard, req: IncomingMessage, maxAgeSeconds?: number): SerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: guard.overHttps(req),
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}
