import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/security/password.ts';
import { useReaderServer } from '../support/reader-server.ts';

const PASSWORD = 'login-form-password';

const served = useReaderServer({ NOTES_PASSWORD_HASH: hashPassword(PASSWORD) });

describe('the login page, as a person uses it in Chromium', () => {
  it.each([
    ['desktop', 1280, 900],
    ['phone', 390, 800],
  ])(
    'on a %s: a wrong password says so, the right one signs in through the form itself, and Sign out ends the login',
    async (_name, width, height) => {
      const context = await served.browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      await page.goto(`${served.app.server.url}/creating-an-image/`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.fill('input[name="password"]', 'not it');
      await page.click('button[type="submit"]');
      await expect.poll(() => page.locator('[role="alert"]').innerText()).toMatch(/not right/);
      await page.fill('input[name="password"]', PASSWORD);
      await page.click('button[type="submit"]');
      // The form's own post must pass the Origin check (a no-referrer page makes Chromium send `Origin: null`).
      await page.waitForURL((u) => u.pathname === '/');
      expect(await page.locator('body').innerText()).not.toMatch(/Sign in from this site/);
      expect(await page.title()).toMatch(/Docker/);
      // Sign out from the header: back at the login page, and the old cookie opens nothing any more.
      const cookies = await context.cookies();
      await page.locator('button.sign-out').click();
      await page.waitForURL((u) => u.pathname === '/login');
      const replay = await served.browser.newContext({ viewport: { width, height } });
      await replay.addCookies(cookies);
      const again = await replay.newPage();
      await again.goto(`${served.app.server.url}/creating-an-image/`);
      expect(new URL(again.url()).pathname, 'a replayed cookie after sign-out').toBe('/login');
      await replay.close();
      await context.close();
    },
  );
});
