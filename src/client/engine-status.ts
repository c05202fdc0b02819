import type { HealthReport } from '../../server/health/health-report.ts';

const RECHECK_MS = 10_000;

/** In host mode every Run acts on the host's real engine: say so where nobody can miss it. */
function showHostModeBanner(show: boolean): void {
  let banner = document.querySelector<HTMLElement>('.host-mode-banner');
  if (!show) return banner?.remove();
  if (banner) return;
  banner = document.createElement('div');
  banner.className = 'host-mode-banner';
  banner.setAttribute('role', 'alert');
  banner.textContent =
    'Host mode: commands on this page run against the host\'s real Docker engine. ' +
    '`docker rm $(docker ps -a -q)` here deletes the host\'s containers.';
  document.body.prepend(banner);
}

/** Fills a status element from GET /api/health and keeps it current while the page is open. */
export function watchEngineStatus(el: HTMLElement): void {
  const text = el.querySelector('.text') as HTMLElement;
  const show = (state: string, message: string) => {
    el.dataset.state = state;
    text.textContent = message;
  };
  const check = async () => {
    try {
      const res = await fetch('/api/health', { credentials: 'same-origin' });
      if (res.status === 404) return show('down', 'Static copy: no notes server here, so blocks show recorded output.');
      if (!res.ok) return show('down', `The server answered ${res.status} to a health check.`);
      const h = (await res.json()) as HealthReport;
      showHostModeBanner(h.mode === 'host');
      if (h.engine.reachable) show('ok', `Docker engine ${h.engine.version} (API ${h.engine.apiVersion})`);
      else show('down', h.engine.error ?? 'Docker engine not reachable.');
    } catch {
      show('down', 'The notes server is not reachable: start it with `npm start`.');
    }
  };
  void check();
  setInterval(() => void check(), RECHECK_MS);
}
