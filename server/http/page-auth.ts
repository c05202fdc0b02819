import type { NextFunction, Request, Response } from 'express';
import { serialize } from 'cookie';
import { COOKIES, newBrowserId, type RequestGuard } from '../security/request-guard.ts';
import { cookieOptions } from './cookie-options.ts';
import { requestUrl } from './resolved-path.ts';

/** The browser id outlives the visit: a reloaded page finds its session again. */
const BROWSER_ID_MAX_AGE_S = 60 * 60 * 24 * 30;

/**
 * A page visit carrying `?token=` (the URL `npm start` prints) sets the browser's cookies
 * (the token and a browser id: HttpOnly, SameSite=Strict, Secure over HTTPS) and redirects to the
 * same page without the token, so it stays out of the history and the address bar. The browser id
 * is kept only when this server signed it; a planted one (any value another site or script set)
 * is replaced by a fresh one.
 */
export function pageAuth(guard: RequestGuard) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (req.method !== 'GET' || token === undefined) return next();
    if (!guard.tokenMatches(token)) {
      res.status(401).type('text/plain').send('This link carries a wrong token. Open the URL that `npm start` printed.');
      return;
    }
    const browser = guard.browserIdOf(req) ?? newBrowserId();
    res.setHeader('Set-Cookie', [
      serialize(COOKIES.token, token, cookieOptions(guard, req)),
      serialize(COOKIES.browser, guard.browserCookie(browser), cookieOptions(guard, req, BROWSER_ID_MAX_AGE_S)),
    ]);
    const url = requestUrl(req.originalUrl);
    // A path that is no URL (`//[`): signed in all the same, to the home page.
    if (!url) return res.redirect(303, '/');
    url.searchParams.delete('token');
    res.redirect(303, url.pathname + url.search);
  };
}
