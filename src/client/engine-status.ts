import type { HealthResponse } from '../../server/protocol.ts';
import { fetchRetrying } from './fetch-retrying.ts';
import { checkSignedIn, signInMode, signedOut } from './session-client.ts';

const RECHECK_MS = 10_000;

/** In host mode every Run acts on the host's real engine: say so where nobody can miss it. */
function showHostModeBanner(show: boolean): void {
  let banner = document.querySelector<HTMLElement>('.host-mode-banner');
  if (!show) {
    banner?.remove();
    return;
  }
  if (banner) return;
  banner = document.createElement('div');
  banner.className = 'host-mode-banner';
  banner.setAttribute('role', 'alert');
  banner.textContent =
    "Host mode: commands on this page run against the host's real Docker engine. " +
    "`docker rm $(docker ps -a -q)` here deletes the host's containers.";
  document.body.prepend(banner);
}

/** Password mode: a Sign out button beside the status (the login ends on the server at once). */
function offerSignOut(status: HTMLElement): void {
  if (status.parentElement?.querySelector('.sign-out')) return;
  const button = Object.assign(document.createElement('button'), { type: 'button', className: 'sign-out', textContent: 'Sign out' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    // A script's POST carries this site's Origin, which /logout requires (a form post here would send `null`).
    await fetch('/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
    location.assign('/login');
  });
  status.after(button);
}

/**
 * Fills a status element from GET /api/health and keeps it current while the page is open. It
 * also shows a lost sign-in (the cookie is gone, or the server restarted with a new token),
 * found by any API call, a refused socket, or the reader coming back to the tab, says how to
 * sign in again, and stops asking until the reader acts (a call that gets through).
 */
export function watchEngineStatus(el: HTMLElement): void {
  const text = el.querySelector('.text') as HTMLElement;
  const show = (state: string, message: string) => {
    // A health answer that was on its way must not cover the sign-out.
    if (signedOut()) return;
    el.dataset.state = state;
    text.textContent = message;
  };
  let timer: number | undefined;
  /** The notes server answered (not a static copy): only then is there a sign-in to check. */
  let serverHere = false;
  const showSignedOut = async () => {
    stop();
    const mode = await signInMode();
    if (!signedOut()) return;
    el.dataset.state = 'signed-out';
    if (mode === 'password') {
      const link = Object.assign(document.createElement('a'), { href: '/login', textContent: 'Log in' });
      text.replaceChildren('Signed out: ', link, ' again to run blocks.');
    } else if (mode === 'proxy') {
      text.textContent = 'Signed out: reload the page to sign in again.';
    } else {
      text.textContent = 'Signed out: open the link that `npm start` printed (it ends in ?token=…).';
    }
  };
  const check = async () => {
    try {
      const res = await fetchRetrying('/api/health', { credentials: 'same-origin' });
      if (res.status === 404) return show('down', 'Static copy: no notes server here, so blocks show recorded output.');
      if (!res.ok) return show('down', `The server answered ${res.status} to a health check.`);
      const h = (await res.json()) as HealthResponse;
      serverHere = true;
      // The short answer is for anonymous callers of a hosted server; a page that loaded is signed in.
      if (!('engine' in h)) return show(h.ok ? 'ok' : 'down', h.ok ? 'Docker engine ready' : 'Docker engine not reachable.');
      if (h.auth === 'password') offerSignOut(el);
      showHostModeBanner(h.mode === 'host');
      if (h.engine.reachable) show('ok', `Docker engine ${h.engine.version} (API ${h.engine.apiVersion})`);
      else show('down', h.engine.error ?? 'Docker engine not reachable.');
    } catch {
      show('down', 'The notes server is not reachable: start it with `npm start`.');
    }
  };
  const start = () => {
    if (timer !== undefined) return;
    void check();
    timer = window.setInterval(() => void check(), RECHECK_MS);
  };
  function stop(): void {
    window.clearInterval(timer);
    timer = undefined;
  }
  document.addEventListener('rdn:auth', (e) => {
    if ((e as CustomEvent<{ signedOut: boolean }>).detail.signedOut) void showSignedOut();
    else start();
  });
  // Health is public, so it cannot tell a lost sign-in, and every route that can also counts as
  // using the session: asking on a timer would keep an idle session alive while its tab is open.
  // Ask when the reader comes back to the page instead (and after they signed in elsewhere).
  const recheck = () => {
    if (serverHere && document.visibilityState === 'visible') void checkSignedIn();
  };
  window.addEventListener('focus', recheck);
  document.addEventListener('visibilitychange', recheck);
  // The page's own script may have met a 401 before this one ran.
  if (signedOut()) void showSignedOut();
  else start();
}
