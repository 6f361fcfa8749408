import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventType, type HistoryEvent } from '../../devhost/durable/history.js';
import { axeViolations, chromiumAvailable, launchChromium, navigating, screenshot } from '../helpers/browser.js';
import { createDevhostProcess, type DevhostProcess } from '../helpers/devhostProcess.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * The README's "Try it", one step at a time, in Chromium against `npm start` (a child process with its own ports):
 * Play HR, open the invitation from the Outbox, set MFA in Directory, verify the code, reveal. Every click is a real
 * form post from the console or the employee pages, so the console's CSRF guard sees what Chromium sends under
 * `Referrer-Policy: no-referrer` (`Origin: null`, `Sec-Fetch-Site: same-origin`).
 */

const describeInChromium = chromiumAvailable() ? describe : describe.skip;
const day = 86_400_000;

let devhost: DevhostProcess;
let browser: Browser;

describeInChromium('the dev console in Chromium, following the README’s “Try it”', () => {
  beforeAll(async () => {
    devhost = await createDevhostProcess();
    await devhost.start();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await devhost.stop();
  });

  /**
   * Screenshots the page and checks it with axe. While a message is on its way the console reloads itself (its
   * Refresh header), which can replace the page under axe; the check is then made again on the page it reloaded to.
   */
  async function check(page: Page, name: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await screenshot(page, `console-${name}`);
        expect(await axeViolations(page), `axe on ${name}`).toEqual([]);
        return;
      } catch (error) {
        if (attempt === 3 || !String(error).includes('Execution context was destroyed')) throw error;
        await page.waitForLoadState();
      }
    }
  }

  /** Reads what the console shows, reloading it as the README says, until `probe` finds it. */
  const untilShown = <T>(page: Page, what: string, probe: () => Promise<T | undefined>) =>
    waitFor(
      what,
      async () => {
        await page.goto(`${devhost.url}/_dev`);
        return probe();
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );

  /** The console's outbox messages to `to`, newest first. */
  const messagesTo = (page: Page, to: string) =>
    page.locator('section[aria-labelledby="outbox"] article').filter({ hasText: to });

  /** The first outbox link to `to` whose path starts with /e/ or /r/. */
  const outboxLink = (page: Page, to: string, kind: 'e' | 'r') =>
    messagesTo(page, to)
      .locator(`a[href*="/${kind}/"]`)
      .first()
      .getAttribute('href', { timeout: 1_000 })
      .catch(() => null)
      .then((href) => href ?? undefined);

  it('plays HR, opens the invitation from the Outbox, sets MFA in Directory, verifies the code and reveals', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const console = await context.newPage();
    const employee = await context.newPage();

    // 1. The dev console.
    await console.goto(`${devhost.url}/_dev`);
    expect(await console.textContent('h1')).toBe('Dev console');
    await check(console, '1-console');

    // 2. Play HR: submit the prefilled form; the invitation appears in the Outbox; open its link.
    const upn = await console.inputValue('#hr-userPrincipalName');
    const invite = await console.inputValue('#hr-inviteEmail');
    const contact = await console.inputValue('#hr-contactEmail');
    await navigating(console, () => console.click('section[aria-labelledby="play-hr"] button[type="submit"]'));
    expect(new URL(console.url()).pathname).toBe('/_dev');
    const started = console.locator('section[aria-labelledby="play-hr"] tbody tr').first();
    expect(await started.locator('td').nth(2).textContent()).toBe('202');
    const instanceHref = await started.locator('a[href^="/_dev/instances/"]').getAttribute('href');
    const id = decodeURIComponent(instanceHref?.split('/').at(-1) ?? '');
    expect(id).not.toBe('');
    await check(console, '2-started');

    const invitation = await untilShown(console, 'the invitation in the Outbox', () =>
      outboxLink(console, invite, 'e'),
    );
    await employee.goto(invitation);
    expect(await employee.locator('form[action$="/mfa"]').count()).toBe(1);

    // 3. In the console's Directory, mark the user's MFA as registered, then click "I have set it up".
    await console.goto(`${devhost.url}/_dev#directory`);
    await navigating(console, () =>
      console.click(`section[aria-labelledby="directory"] button[aria-label="Register MFA for ${upn}"]`),
    );
    const row = console.locator('section[aria-labelledby="directory"] tbody tr').filter({ hasText: upn });
    expect(await row.locator('td').nth(1).textContent()).toBe('Registered');
    await check(console, '3-mfa-registered');
    await navigating(employee, () => employee.click('form[action$="/mfa"] button'));
    expect(await employee.locator('form[action$="/mfa"]').count(), 'step 1 done').toBe(0);

    // 4. Send yourself a code; it arrives in the Outbox; enter it.
    await console.goto(`${devhost.url}/_dev`);
    const before = await messagesTo(console, contact).count();
    await navigating(employee, () => employee.click('form[action$="/contact/send"] button'));
    const code = await untilShown(console, 'the code in the Outbox', async () => {
      if ((await messagesTo(console, contact).count()) === before) return undefined;
      const text = await messagesTo(console, contact).first().locator('pre').textContent();
      return /\b(\d{6})\b/.exec(text ?? '')?.[1];
    });
    await employee.fill('#code', code);
    await navigating(employee, () => employee.click('form[action$="/contact/verify"] button'));

    // 5. The ready e-mail arrives; open its link and click "Show my app password": shown once, with a copy button.
    const ready = await untilShown(console, 'the ready e-mail in the Outbox', () => outboxLink(console, invite, 'r'));
    await check(console, '4-ready-mail');
    const timers = await timersOf(id);
    expect(
      timers.every((timer) => timer.fireAt - timer.createdAt <= 6 * day),
      'no timer over six days',
    ).toBe(true);
    expect(timers.at(-1), 'the retrieval wait starts with a 3-day step').toMatchObject({ length: 3 * day });

    await console.goto(ready);
    await navigating(console, () => console.click('form[action$="/reveal"] button'));
    const password = await console.textContent('#app-password');
    expect(password?.trim()).not.toBe('');
    expect(await console.locator('[data-copy="app-password"]').count()).toBe(1);

    // Open the link again: "Already shown" (a page rendered before the runtime caught up still refuses the click).
    await console.goto(ready);
    if ((await console.locator('form[action$="/reveal"] button').count()) > 0) {
      await navigating(console, () => console.click('form[action$="/reveal"] button'));
    }
    expect(await console.locator('#app-password').count()).toBe(0);
    expect(await console.textContent('h1')).toMatch(/^(Allerede vist|Already shown)$/);

    // The Callbacks section lists the signed stage events, each verified.
    const callbacks = await untilShown(console, 'the revealed callback', async () => {
      const section = await console.locator('section[aria-labelledby="callbacks"]').textContent();
      return section?.includes('revealed') === true ? section : undefined;
    });
    expect(callbacks).toContain('signature verified');
    expect(callbacks).not.toContain('INVALID');
    await check(console, '5-callbacks');
    await context.close();
  }, 120_000);
});

/** The instance's timers as the console's JSON API shows them, oldest first. */
async function timersOf(id: string): Promise<{ createdAt: number; fireAt: number; length: number }[]> {
  const response = await fetch(`${devhost.url}/_dev/api/instances/${encodeURIComponent(id)}`);
  const { historyEvents } = (await response.json()) as { historyEvents: HistoryEvent[] };
  return historyEvents
    .filter((event) => event.EventType === EventType.TimerCreated)
    .map((event) => {
      const createdAt = Date.parse(event.Timestamp);
      const fireAt = Date.parse(event.FireAt ?? '');
      return { createdAt, fireAt, length: fireAt - createdAt };
    });
}
