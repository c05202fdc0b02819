/**
 * The steps of a workshop class in Chromium, in password mode: an instructor and two attendees, each in
 * their own browser context. The attendees run blocks and checks on two pages (one fails a check), the
 * room shows both live with the failing one first, the instructor looks over that attendee's shoulder
 * (read-only, then typing after "Ask for help"), restarts a sandbox and sends a message both see.
 * The server is restarted between steps on the same state, and every result is still there.
 *
 * The same steps run against a server process of the test's own (test/e2e/workshop-class.test.ts) and
 * against the server inside the self-hosted container (test/selfhost/workshop-class.test.ts), so that
 * a host who follows HOSTING.md gets the class that was tested.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser.ts';
import { runnableBlock } from './runnable-block.ts';

/** The passwords the class signs in with; the server must get their hashes (NOTES_ and INSTRUCTOR_PASSWORD_HASH). */
export const ATTENDEE_PASSWORD = 'class-of-today';
export const INSTRUCTOR_PASSWORD = 'the-instructor-knows';

/** A server the class runs against, started by the test file with the two hashes and a workshop database. */
export interface ClassServer {
  /** Where it answers now (a restart may move it). */
  url: string;
  /** Stops it and starts it again on the same workshop database; resolves once it answers. */
  restart(): Promise<void>;
}

const RUNBOOK = '/writing/runbook-template/';
const IMAGE = '/creating-an-image/';

interface Person {
  name: string;
  password: string;
  context: BrowserContext;
  page: Page;
}

/** Runs block `i` of the open page with its Run button and waits until it ends as expected. */
async function runBlock(page: Page, i: number): Promise<void> {
  const block = runnableBlock(page, i);
  await block.figure.locator('.rdn-run-button').click();
  await expect.poll(block.state, { timeout: 240_000, message: `block ${i} of ${page.url()} should end as expected` }).toMatch(/^(ok|failed)$/);
  expect(await block.state(), `block ${i}: ${await block.status()}`).toBe('ok');
}

/** Presses a check's button and returns what it says when done. */
async function check(page: Page, key: string): Promise<{ state: string; text: string }> {
  const box = page.locator(`.rdn-check[data-check="${key}"]`);
  await box.locator('.rdn-check-button').click();
  await expect.poll(() => box.getAttribute('data-state'), { timeout: 60_000 }).toMatch(/^(passed|failed|error)$/);
  return { state: (await box.getAttribute('data-state'))!, text: await box.locator('.rdn-check-result').innerText() };
}

/** The room's rows as the instructor sees them: user names in order. */
const roomOrder = (page: Page) => page.locator('.room-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.user));

/**
 * Registers the class's steps, in order, under one describe. `server` is read at each step: the test
 * file starts its server in a beforeAll, which runs before the steps'.
 */
export function workshopClass(server: () => ClassServer): void {
  let browser: Browser;
  const people: Record<'ida' | 'alice' | 'bob', Person> = {} as never;

  /**
   * Opens `pathname` as this person, signing in at the login page first when the server does not
   * know them (at the start, and after a restart): a page sends them to /login, the room is 404.
   */
  async function visit(p: Person, pathname: string): Promise<void> {
    const res = await p.page.goto(`${server().url}${pathname}`);
    if (new URL(p.page.url()).pathname === '/login' || res?.status() === 404) {
      await p.page.goto(`${server().url}/login`);
      await p.page.fill('input[name="name"]', p.name);
      await p.page.fill('input[name="password"]', p.password);
      await p.page.click('button[type="submit"]');
      await p.page.waitForURL((u) => u.pathname !== '/login');
      await p.page.goto(`${server().url}${pathname}`);
    }
    expect(new URL(p.page.url()).pathname, `${p.name} opening ${pathname}`).toBe(pathname);
    if (pathname === '/instructor/') await p.page.waitForSelector('body[data-room-updated]');
    else await p.page.waitForSelector('.rdn-progress', { state: 'attached' });
  }

  describe('a workshop class: two attendees and their instructor', () => {
    beforeAll(async () => {
      browser = await launchBrowser();
      for (const [key, name, password] of [
        ['ida', 'Ida', INSTRUCTOR_PASSWORD],
        ['alice', 'Alice', ATTENDEE_PASSWORD],
        ['bob', 'Bob', ATTENDEE_PASSWORD],
      ] as const) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        people[key] = { name, password, context, page: await context.newPage() };
      }
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('the attendees run blocks and checks on the first page; Bob fails his check', { timeout: 300_000 }, async () => {
      const { alice, bob, ida } = people;
      await visit(ida, '/instructor/');
      await visit(alice, RUNBOOK);
      await visit(bob, RUNBOOK);
      // An attendee has no room: the instructor's page and calls are 404 to them.
      const refused = await bob.page.request.get(`${server().url}/instructor/`);
      expect(refused.status(), "an attendee asking for the instructor's page").toBe(404);

      await alice.page.locator('input.rdn-ph[data-ph="greeting"]').first().fill('Hello');
      await runBlock(alice.page, 0);
      expect(await check(alice.page, 'greet-written')).toEqual({ state: 'passed', text: '✓ Passed' });
      // Bob checks before doing the step (running any block would write the page's file block first).
      const failed = await check(bob.page, 'greet-written');
      expect(failed.state).toBe('failed');
      expect(failed.text, 'a failed check gives the hint, not the script').toMatch(/^Not yet: Run the page from the top/);
      expect(failed.text).not.toContain('test -f');
      await expect.poll(() => alice.page.locator('.rdn-progress-text').innerText()).toMatch(/1 of \d+ blocks run · 1 of 1 checks passed/);
    });

    it('a server restart keeps every result: the pages show them again after signing in', { timeout: 180_000 }, async () => {
      const { alice, bob } = people;
      await server().restart();
      await visit(alice, RUNBOOK);
      await expect.poll(() => alice.page.locator('.rdn-check[data-check="greet-written"]').getAttribute('data-state')).toBe('passed');
      await expect.poll(() => alice.page.locator('.rdn-progress-text').innerText()).toMatch(/1 of \d+ blocks run · 1 of 1 checks passed/);
      await visit(bob, RUNBOOK);
      await expect.poll(() => bob.page.locator('.rdn-check[data-check="greet-written"]').getAttribute('data-state')).toBe('failed');
    });

    it('on the image page Alice builds and passes, Bob does not; the room shows both live, Bob first', { timeout: 480_000 }, async () => {
      const { alice, bob, ida } = people;
      await visit(ida, '/instructor/');
      await visit(alice, IMAGE);
      await visit(bob, IMAGE);
      await runBlock(alice.page, 0);
      await runBlock(alice.page, 1);
      expect((await check(alice.page, 'image-built')).state).toBe('passed');
      await runBlock(bob.page, 0);
      const updates = await ida.page.evaluate(() => document.body.dataset.roomUpdated);
      expect((await check(bob.page, 'image-built')).state).toBe('failed');
      // The room was not reloaded: its feed brought the change.
      await expect.poll(() => ida.page.evaluate(() => document.body.dataset.roomUpdated)).not.toBe(updates);
      await expect.poll(() => roomOrder(ida.page)).toEqual(['Bob', 'Alice']);
      const bobRow = ida.page.locator('.room-table tr[data-user="Bob"]');
      expect(await bobRow.getAttribute('data-stuck')).toBe('true');
      await expect
        .poll(() => bobRow.locator('.room-failure').innerText())
        .toMatch(/check image-built[\s\S]*Creating a Docker image: check image-built/);
      const aliceRow = ida.page.locator('.room-table tr[data-user="Alice"]');
      expect(await aliceRow.getAttribute('data-stuck'), 'Alice passed her check after her last failure').toBe('false');
      await expect
        .poll(() => aliceRow.locator('.room-page[data-page="creating-an-image"]').innerText())
        .toMatch(/Creating a Docker image: 2\/\d+ · ✓1\/3/);
      expect(await aliceRow.locator('.room-page[data-page="writing/runbook-template"]').getAttribute('data-done')).toBe('false');
    });

    it("the instructor watches Bob's terminal read-only, and types into it once he asks for help", { timeout: 180_000 }, async () => {
      const { bob, ida } = people;
      await bob.page.locator('.rdn-terminal-toggle').click();
      const bobTerm = bob.page.locator('.terminal-dock-body .xterm-rows');
      // Type once the shell shows its prompt (keys before that may reach no one).
      await expect.poll(() => bobTerm.innerText(), { timeout: 60_000 }).toMatch(/\$\s*$/);
      await bob.page.keyboard.type('echo bob-was-here\r');
      await expect.poll(() => bobTerm.innerText(), { timeout: 60_000 }).toContain('bob-was-here');
      const bobRow = ida.page.locator('.room-table tr[data-user="Bob"]');
      await expect.poll(() => bobRow.locator('button[data-action="Watch"]').isEnabled()).toBe(true);
      await expect.poll(async () => (await roomOrder(ida.page))[0]).toBe('Bob');
      // Clicked twice while the terminal's code still loads: one terminal, not two stacked.
      await bobRow.locator('button[data-action="Watch"]').dblclick();
      const shoulder = ida.page.locator('.room-shoulder');
      const pane = shoulder.locator('.room-shoulder-pane .xterm-rows');
      await expect.poll(() => pane.innerText(), { timeout: 30_000 }).toContain('bob-was-here');
      const terminals = () => shoulder.locator('.room-shoulder-pane .xterm').count();
      expect(await terminals(), 'the shoulder pane holds one terminal').toBe(1);
      // Another of Bob's runs, then back: the same terminal shows each in turn.
      const terminalRun = await shoulder.locator('.room-shoulder-runs').inputValue();
      const runs = await shoulder.locator('.room-shoulder-runs option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      const other = runs.find((r) => r !== terminalRun);
      expect(other, `Bob has more than the terminal's run: ${runs.join(', ')}`).toBeDefined();
      await shoulder.locator('.room-shoulder-runs').selectOption(other!);
      await expect.poll(() => shoulder.getAttribute('data-run-id')).toBe(other);
      await expect.poll(() => pane.innerText(), { timeout: 30_000 }).not.toContain('bob-was-here');
      await shoulder.locator('.room-shoulder-runs').selectOption(terminalRun);
      await expect.poll(() => pane.innerText(), { timeout: 30_000 }).toContain('bob-was-here');
      expect(await terminals(), 'switching runs keeps one terminal').toBe(1);
      expect(await shoulder.locator('.room-shoulder-mode').innerText()).toMatch(/Read-only: Bob has not asked for help/);
      await shoulder.locator('.room-shoulder-pane').click();
      await ida.page.keyboard.type('echo typed-by-ida-early\r');
      await bob.page.keyboard.type('echo still-bob\r');
      await expect.poll(() => bobTerm.innerText()).toContain('still-bob');
      expect(await bobTerm.innerText(), "read-only: the instructor's keys must not reach Bob").not.toContain('typed-by-ida-early');

      await bob.page.locator('.rdn-ws-help').click();
      await expect.poll(() => bob.page.locator('.rdn-ws-help').innerText()).toBe("Thanks, I'm fine");
      await expect.poll(() => shoulder.locator('.room-shoulder-mode').getAttribute('data-typing')).toBe('true');
      expect(await bobRow.locator('.room-flag-help').innerText()).toBe('asks for help');
      await shoulder.locator('.room-shoulder-pane').click();
      await ida.page.keyboard.type('echo typed-by-ida\r');
      await expect.poll(() => bobTerm.innerText(), { timeout: 30_000 }).toContain('typed-by-ida');
      await expect.poll(() => pane.innerText()).toContain('typed-by-ida');
    });

    it("the instructor restarts Alice's sandbox and sends a message both attendees see", { timeout: 120_000 }, async () => {
      const { alice, bob, ida } = people;
      await ida.page.locator('.room-table tr[data-user="Alice"] button[data-action="Restart sandbox"]').click();
      await expect.poll(() => alice.page.locator('.rdn-ws-notice').innerText(), { timeout: 30_000 }).toMatch(/The instructor restarted your sandbox/);
      expect(await bob.page.locator('.rdn-ws-notice').isVisible(), 'only Alice was restarted').toBe(false);
      // Her sandbox is new: the image she built is gone, her progress is not.
      expect((await check(alice.page, 'image-built')).state).toBe('failed');
      await ida.page.fill('#room-message-text', 'Break: back at eleven');
      await ida.page.locator('.room-message button[type="submit"]').click();
      for (const p of [alice, bob]) {
        await expect
          .poll(() => p.page.locator('.rdn-ws-banner').innerText(), { timeout: 30_000, message: `${p.name} should see the message` })
          .toContain('Break: back at eleven');
      }
    });

    it('time: the instructor gives Bob ten minutes, his page counts down, he asks for more and the room shows it', { timeout: 60_000 }, async () => {
      const { bob, ida } = people;
      const bobRow = () => ida.page.locator('.room-table tr[data-user="Bob"]');
      await bobRow().locator('button[data-action="+10 min"]').click();
      await expect.poll(() => bob.page.locator('.rdn-ws-time').innerText(), { timeout: 30_000 }).toMatch(/^Time left: (9|10):\d\d$/);
      await bob.page.locator('.rdn-ws-more-time').click();
      await expect.poll(() => bob.page.locator('.rdn-ws-more-time').innerText()).toBe('Asked for more time');
      await expect.poll(() => bobRow().locator('.room-flag-time').count()).toBe(1);
      // Preparing the room: the class size the instructor sets is what the room reports back.
      await ida.page.fill('.room-settings input[name="classSize"]', '2');
      await ida.page.locator('.room-settings button[type="submit"]').click();
      await expect.poll(() => ida.page.locator('.room-pool').innerText()).toMatch(/class size 2\)/);
    });

    it('Catch me up sets the sandbox up for a page, and a finished page gets its tick in the sidebar', { timeout: 300_000 }, async () => {
      const { alice, ida } = people;
      await visit(alice, '/example-commands/');
      const box = alice.page.locator('.rdn-catch-up');
      await box.locator('.rdn-catch-up-button').click();
      await expect.poll(() => box.getAttribute('data-state'), { timeout: 240_000 }).toMatch(/^(ok|failed)$/);
      expect(await box.locator('.rdn-catch-up-status').innerText()).toMatch(/^Caught up/);
      expect(await box.locator('.xterm-rows').innerText(), 'the catch-up streams into its pane').toMatch(/ubuntu/);
      // The instructor sees the catch-up as the block Alice is on.
      await expect.poll(() => ida.page.locator('.room-table tr[data-user="Alice"] .room-block').innerText()).toBe('Example commands: catch-up');
      // A catch-up is not one of the page's blocks.
      expect(await ida.page.locator('.room-table tr[data-user="Alice"] .room-page[data-page="example-commands"]').innerText()).toMatch(/: 0\/\d+/);
      const home = alice.page.locator('.sidebar a[data-page="index"]');
      expect(await home.locator('.rdn-tick').count(), 'no tick before the home page is done').toBe(0);
      await visit(alice, '/');
      await runBlock(alice.page, 0);
      await expect.poll(() => home.locator('.rdn-tick').count()).toBe(1);
      expect(await alice.page.locator('.sidebar a[data-page="creating-an-image"] .rdn-tick').count(), 'a page half done has no tick').toBe(0);
      await ida.page.screenshot({ path: '.cache/test-results/workshop-room.png', fullPage: true });
    });

    it("on a phone (390 px) the attendee's workshop strip, progress and checks fit the screen", { timeout: 60_000 }, async () => {
      const { alice } = people;
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const p: Person = { ...alice, context: phone, page: await phone.newPage() };
      await visit(p, IMAGE);
      await expect.poll(() => p.page.locator('.rdn-ws-banner').isVisible()).toBe(true);
      for (const sel of ['.rdn-ws-help', '.rdn-progress', '.rdn-check[data-check="image-built"] .rdn-check-button']) {
        const box = await p.page.locator(sel).boundingBox();
        expect(box, `${sel} is shown`).not.toBeNull();
        expect(box!.x + box!.width, `${sel} ends inside the 390 px screen`).toBeLessThanOrEqual(390);
      }
      const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth);
      expect(overflow, 'the page does not scroll sideways').toBeLessThanOrEqual(390);
      await p.page.screenshot({ path: '.cache/test-results/workshop-attendee-390.png' });
      await p.page.locator('.rdn-check[data-check="image-built"]').scrollIntoViewIfNeeded();
      await p.page.screenshot({ path: '.cache/test-results/workshop-check-390.png' });
      // The handout (print) shows none of the workshop.
      await p.page.emulateMedia({ media: 'print' });
      for (const sel of ['.rdn-workshop', '.rdn-progress', '.rdn-check'])
        expect(await p.page.locator(sel).first().isVisible(), `${sel} in print`).toBe(false);
      await phone.close();
    });

    it("after a second server restart the room still shows everyone's progress", { timeout: 180_000 }, async () => {
      const { ida, alice } = people;
      await server().restart();
      await visit(ida, '/instructor/');
      await expect.poll(() => roomOrder(ida.page)).toEqual(expect.arrayContaining(['Alice', 'Bob']));
      const aliceRow = ida.page.locator('.room-table tr[data-user="Alice"]');
      expect(await aliceRow.locator('.room-page[data-page="writing/runbook-template"]').innerText()).toMatch(/1\/\d+ · ✓1\/1/);
      expect(await aliceRow.locator('.room-page[data-page="creating-an-image"]').innerText()).toMatch(/2\/\d+/);
      await visit(alice, IMAGE);
      await expect.poll(() => alice.page.locator('.rdn-ws-banner').innerText()).toContain('Break: back at eleven');
    });
  });
}
