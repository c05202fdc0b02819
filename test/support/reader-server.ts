import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startAppServer, type AppServer } from './app-server.ts';
import { launchBrowser, openReader } from './browser.ts';
import { requireEngine } from './engine.ts';

/** The server and the browser of an e2e file, there from its beforeAll to its afterAll. */
export interface ReaderServer {
  readonly app: AppServer;
  readonly browser: Browser;
  /** A fresh reader of `pathname` (its own context, so its own cookie and session), signed in to `on` with the token link. */
  openReader(pathname: string, viewport?: { width: number; height: number }, on?: AppServer): Promise<{ context: BrowserContext; page: Page }>;
}

/**
 * Registers the set-up most e2e files share: the real engine required, a server of the file's own
 * (with `env`) and Debian's Chromium, both closed after the file's tests. Call it at the top of the
 * file; read `app` and `browser` inside hooks and tests, once they exist.
 */
export function useReaderServer(env: Record<string, string> = {}): ReaderServer {
  let app: AppServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await requireEngine();
    app = await startAppServer(env);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const started = (): { app: AppServer; browser: Browser } => {
    if (!app || !browser) throw new Error('the test server and browser are read before the beforeAll of useReaderServer() started them');
    return { app, browser };
  };
  return {
    get app() {
      return started().app;
    },
    get browser() {
      return started().browser;
    },
    openReader(pathname, viewport, on = started().app) {
      return openReader(started().browser, { url: on.server.url, token: on.token }, pathname, viewport);
    },
  };
}
