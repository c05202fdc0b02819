import express, { type NextFunction, type Request, type Response } from 'express';
import { serialize } from 'cookie';
import type { LoginLimiter } from '../security/login-limiter.ts';
import { COOKIES, LOGIN_TTL_MS, type LoginIdentity, newBrowserId, type RequestGuard } from '../security/request-guard.ts';
import { cookieOptions } from './cookie-options.ts';
import { errorBody, httpStatusOf } from './http-error.ts';
import { loginIdentity, nameField, nameProblem } from '../workshop/login-identity.ts';

/** The login form's body: a password and a name, with room to spare. */
const FORM_LIMIT = '2kb';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const SIGN_IN = 'Sign in with the password you were given.';

/**
 * The fields of a login form, or why the request is not one: a body the form parser did not read
 * (JSON, multipart, none at all) or a field sent twice. Neither is a guess at the password.
 */
function readForm(req: Request): { password: string; name: unknown } | { status: 400 | 415; refused: string } {
  const body = req.body as Record<string, string | string[] | undefined> | undefined;
  if (!req.is(FORM_TYPE) || typeof body !== 'object' || body === null) {
    return {
      status: 415,
      refused: `Send the sign-in as a form (Content-Type: ${FORM_TYPE}), as this page does; with curl, -d or --data-urlencode, not -F or JSON.`,
    };
  }
  for (const field of ['password', 'name'] as const) {
    if (Array.isArray(body[field]))
      return { status: 400, refused: `The form sent "${field}" more than once. Send each field once, as this page does.` };
  }
  return { password: typeof body.password === 'string' ? body.password : '', name: body.name };
}

/** What the login page says about a body it could not read (too large, not UTF-8, a broken compression). */
function unreadableForm(err: unknown, status: number): string {
  if (status === 413) return 'The form is too large (2 KB at most). Type your password again and sign in from this page.';
  return `The form could not be read. ${errorBody(err, status).error}`;
}

function loginPage(message: string, status = '', nameInput = ''): string {
  const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Runnable Docker notes</title>
<style>body{font:16px system-ui,sans-serif;max-width:24rem;margin:12vh auto;padding:0 1rem}input,button{font:inherit;padding:.4rem .6rem;width:100%;box-sizing:border-box;margin:.3rem 0}
button{background:#1f883d;color:#fff;border:0;border-radius:6px}.msg{color:#cf222e}</style></head>
<body><h1>Runnable Docker notes</h1><p>${escapeHtml(message)}</p>${status ? `<p class="msg" role="alert">${escapeHtml(status)}</p>` : ''}
<form method="post" action="/login">${nameInput}<label>Password <input type="password" name="password" autocomplete="current-password" autofocus required></label>
<button type="submit">Sign in</button></form></body></html>`;
}

/**
 * Sends the login page. Its form posts back here, and Chromium sends `Origin: null` on a form post from a
 * page under the site-wide `Referrer-Policy: no-referrer`, which the Origin check rightly refuses: this page
 * alone says `same-origin`, so its post carries the site's own Origin.
 */
function sendPage(res: Response, status: number, html: string): void {
  res.setHeader('Referrer-Policy', 'same-origin');
  res.status(status).type('html').send(html);
}

/**
 * Hosted mode with a shared password (a workshop): /login checks it against the slow hash and
 * gives the browser a signed cookie for a login the server keeps (logout ends it at once); each
 * browser then has sessions of its own, closed when its login ends (`endLogin`). Failed logins are limited per client (its address, or
 * the forwarded one from a trusted proxy) and for everyone together (429 with Retry-After).
 */
export function loginRoutes(
  guard: RequestGuard,
  passwordHash: string,
  limiter: LoginLimiter,
  endLogin: (browserId: string) => void,
  instructorHash?: string,
  /**
   * Who the workshop knows a typed name as (in any letter case): that user's name as first typed and
   * their role, or the login's own when the name is new (it then keeps them).
   */
  claimName: (name: string, role: LoginIdentity['role']) => { user: string; role: LoginIdentity['role'] } = (user, role) => ({ user, role }),
): express.Router {
  const r = express.Router();
  // Workshop: the login also asks for a name, so the room can tell attendees apart.
  const page = (message: string, status = '') => loginPage(message, status, nameField(instructorHash !== undefined));
  r.get('/login', (_req, res) => {
    sendPage(res, 200, page(SIGN_IN));
  });
  r.post('/login', express.urlencoded({ extended: false, limit: FORM_LIMIT }), async (req: Request, res: Response) => {
    // A form post from a browser carries Origin; a script's may not (it has no cookie to abuse).
    if (!guard.sameOrigin(req, false)) {
      return void res.status(403).type('text/plain').send('Sign in from this site.');
    }
    // Before the limiter: what is not a form is no guess at the password, and is not counted as one.
    const form = readForm(req);
    if ('refused' in form) return void sendPage(res, form.status, page(SIGN_IN, form.refused));
    const client = guard.clientKey(req);
    const { wait, everyone } = limiter.check(client);
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      res.setHeader('Retry-After', String(s));
      const why = everyone
        ? `Too many failed sign-ins on this site just now. Try again in ${s} s.`
        : `Too many failed attempts. Try again in ${s} s.`;
      return void sendPage(res, 429, page(SIGN_IN, why));
    }
    const badName = nameProblem(form.name, instructorHash !== undefined);
    if (badName) return void sendPage(res, 400, page(SIGN_IN, badName));
    // Counted before the slow check, so parallel guesses cannot all slip past the limit.
    const attempt = limiter.fail(client);
    // Always a fresh id: a browser id planted by another site on this host must not be adopted.
    const browser = newBrowserId();
    const typed = await loginIdentity(form, { notes: passwordHash, instructor: instructorHash }, browser);
    if ('refused' in typed) return void sendPage(res, 401, page(SIGN_IN, typed.refused));
    limiter.succeed(client, attempt);
    // The workshop keys people by their name, in any letter case: an attendee must not take a name it
    // knows as an instructor's (the room would list the instructor as an attendee), nor the other way
    // round. The same name twice in a role is allowed (one person on a laptop and a phone), and signs
    // in as the name first typed; what only the person may grant, help in their runs, is tied to the
    // login that asked (shoulder-view.ts).
    const known = claimName(typed.name, typed.role);
    if (known.role !== typed.role) {
      const whose = known.role === 'instructor' ? 'an instructor' : 'an attendee';
      const as = known.user === typed.name ? '' : ` (as “${known.user}”: names are the same whatever their letter case)`;
      return void sendPage(res, 409, page(SIGN_IN, `“${typed.name}” is ${whose} of this workshop${as}. Type another name.`));
    }
    const identity: LoginIdentity = { ...typed, name: known.user };
    const options = cookieOptions(guard, req, LOGIN_TTL_MS / 1000);
    res.setHeader('Set-Cookie', [
      serialize(COOKIES.login, guard.loginCookie(browser, Date.now(), identity), options),
      serialize(COOKIES.browser, guard.browserCookie(browser), options),
    ]);
    res.redirect(303, '/');
  });
  // Logout changes state with the browser's cookie: it needs this site's Origin, like every such request.
  r.post('/logout', (req, res) => {
    if (!guard.sameOrigin(req, true)) {
      return void res.status(403).type('text/plain').send('Sign out from this site.');
    }
    // The login's sessions end with it: their sandboxes go, and they stop counting against the address.
    const ended = guard.revokeLogin(req);
    if (ended) endLogin(ended);
    const gone = cookieOptions(guard, req, 0);
    res.setHeader('Set-Cookie', [serialize(COOKIES.login, '', gone), serialize(COOKIES.browser, '', gone)]);
    res.redirect(303, '/login');
  });
  // A form the parser could not read (too large, not UTF-8, a broken compression) gets the login page
  // with the reason and its status, never Express's page (with a stack); the server's own errors go on
  // to the app's handler, which logs them.
  r.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const status = httpStatusOf(err);
    if (status >= 500 || req.path !== '/login' || res.headersSent) return next(err);
    sendPage(res, status, page(SIGN_IN, unreadableForm(err, status)));
  });
  return r;
}
