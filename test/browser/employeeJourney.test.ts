import { SecretClient } from '@azure/keyvault-secrets';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { createTableClientFactory } from '../../adapters/tables/tableClients.js';
import { createTableLinkTokenStore } from '../../adapters/tables/linkTokenStore.js';
import { newLinkToken } from '../../core/tokens.js';
import { axeViolations, chromiumAvailable, launchChromium, navigating, screenshot } from '../helpers/browser.js';
import { codeFrom } from '../helpers/employeeBrowser.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';
import { reportMfa } from '../helpers/enrollmentJourney.js';

const describeInChromium = chromiumAvailable() ? describe : describe.skip;

let runtime: TestRuntime;
let browser: Browser;
let vault: SecretClient;
let employeeCounter = 0;

describeInChromium('the employee journey in Chromium', () => {
  beforeAll(async () => {
    runtime = await startTestRuntime();
    browser = await launchChromium();
    vault = new SecretClient(runtime.vault.url, createLocalEmulatorCredential(), {
      allowInsecureConnection: true,
      disableChallengeResourceVerification: true,
    });
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await runtime.stop();
  });

  async function startEnrollment(locale: 'da' | 'en') {
    employeeCounter += 1;
    const tag = `${locale}${employeeCounter}`;
    const person = {
      upn: `browser.${tag}@contoso.dk`,
      invite: `invite.${tag}@example.com`,
      contact: `contact.${tag}@example.com`,
    };
    const response = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: `B${tag}`,
        userPrincipalName: person.upn,
        displayName: locale === 'da' ? 'Søren Ørsted' : 'Grace Hopper',
        inviteEmail: person.invite,
        contact: { email: person.contact },
        locale,
      },
    });
    const { id } = (await response.json()) as { id: string };
    return { id, ...person };
  }

  const linkFor = (to: string, kind: 'e' | 'r') =>
    waitFor(`the /${kind}/ link for ${to}`, () =>
      runtime.mail
        .messages()
        .filter((message) => message.to.includes(to))
        .flatMap((message) => message.links)
        .find((link) => new URL(link).pathname.startsWith(`/${kind}/`)),
    );

  async function newContext(locale: 'da' | 'en', width: number): Promise<BrowserContext> {
    const context = await browser.newContext({
      viewport: { width, height: 900 },
      locale: locale === 'da' ? 'da-DK' : 'en-GB',
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: runtime.url });
    return context;
  }

  /** Every state: a screenshot for people, axe-core for the rules, and no horizontal scrolling at phone width. */
  async function check(page: Page, name: string): Promise<void> {
    await screenshot(page, name);
    expect(await axeViolations(page), `axe on ${name}`).toEqual([]);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow, `horizontal overflow on ${name}`).toBe(0);
  }

  for (const locale of ['da', 'en'] as const) {
    for (const width of [1280, 390]) {
      it(`${locale} at ${width} px: by clicking, from invitation to one reveal and a copied password`, async () => {
        const who = await startEnrollment(locale);
        const context = await newContext(locale, width);
        const page = await context.newPage();
        const prefix = `${locale}-${width}`;

        await page.goto(await linkFor(who.invite, 'e'));
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        await check(page, `${prefix}-1-welcome`);

        await navigating(page, () => page.click('form[action$="/mfa"] button'));
        await check(page, `${prefix}-2-mfa-not-yet`);
        runtime.directory.setMfaRegistered(who.upn, true);
        await navigating(page, () => page.click('form[action$="/mfa"] button'));

        await page.click('form[action$="/contact/send"] button[value="email"]');
        await page.waitForSelector('#code');
        const codeMail = await waitFor('the code', () =>
          runtime.mail.messages().find((m) => m.to.includes(who.contact)),
        );
        await page.fill('#code', codeFrom(codeMail.text));
        await check(page, `${prefix}-3-code`);
        await navigating(page, () => page.click('form[action$="/contact/verify"] button'));
        await check(page, `${prefix}-4-verified`);

        const revealLink = await linkFor(who.invite, 'r');
        await page.goto(revealLink);
        await check(page, `${prefix}-5-ready`);
        await page.click('form[action$="/reveal"] button');
        await page.waitForSelector('#app-password');
        const shown = await page.textContent('#app-password');
        expect(shown).toBe((await vault.getSecret(`apppw-${who.id}`)).value);
        await check(page, `${prefix}-6-password`);

        await page.click('[data-copy="app-password"]');
        await waitFor('the copied confirmation', async () =>
          (await page.textContent('#copy-status'))?.trim() ? true : undefined,
        );
        expect(await page.evaluate('navigator.clipboard.readText()')).toBe(shown);

        // A second visit (or a second click from a page still showing the button) never shows it again.
        await page.goto(revealLink);
        if ((await page.locator('form[action$="/reveal"] button').count()) > 0) {
          await navigating(page, () => page.click('form[action$="/reveal"] button'));
        }
        expect(await page.textContent('h1')).toBe(locale === 'da' ? 'Allerede vist' : 'Already shown');
        await check(page, `${prefix}-7-already-shown`);
        expect(await page.locator('#app-password').count()).toBe(0);
        await context.close();
      });
    }
  }

  it('shows the error, invalid, expired, cancelled and too-many-attempts states, each accessible', async () => {
    const who = await startEnrollment('en');
    const context = await newContext('en', 390);
    const page = await context.newPage();
    const enrollLink = await linkFor(who.invite, 'e');

    await page.goto(enrollLink);
    await page.click('form[action$="/contact/send"] button[value="email"]');
    await page.waitForSelector('#code');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const codeMail = await waitFor('code', () => runtime.mail.messages().find((m) => m.to.includes(who.contact)));
      const code = codeFrom(codeMail.text);
      await page.fill('#code', code === '000000' ? '999999' : '000000');
      await navigating(page, () => page.click('form[action$="/contact/verify"] button'));
    }
    await check(page, 'en-390-too-many-attempts');

    const invalid = await page.goto(`${runtime.url}/e/${'A'.repeat(43)}`);
    expect(invalid?.status()).toBe(404);
    await check(page, 'en-390-invalid-link');

    const tables = createTableClientFactory(
      { connectionString: inject('azuriteConnectionString') },
      { tablePrefix: runtime.settings['APP_TABLE_PREFIX'] },
    );
    const expired = newLinkToken();
    await createTableLinkTokenStore(tables).save(expired.hash, {
      enrollmentId: who.id,
      purpose: 'enroll',
      expiresAt: '2020-01-01T00:00:00.000Z',
    });
    expect((await page.goto(`${runtime.url}/e/${expired.token}`))?.status()).toBe(410);
    await check(page, 'en-390-expired');

    await runtime.api(`/api/enrollments/${who.id}/cancel`, { method: 'POST' });
    await waitFor('cancelled', async () => {
      const response = await page.goto(enrollLink);
      return response?.status() === 410 ? true : undefined;
    });
    await check(page, 'en-390-cancelled');
    await context.close();
  });

  it('shows a clear error when the vault fails mid-reveal, and the reveal works on the next try', async () => {
    const who = await startEnrollment('en');
    await reportMfa(runtime, who.id, who.upn);
    const context = await newContext('en', 1280);
    const page = await context.newPage();
    await page.goto(await linkFor(who.invite, 'e'));
    await page.click('form[action$="/contact/send"] button[value="email"]');
    await page.waitForSelector('#code');
    const codeMail = await waitFor('code', () => runtime.mail.messages().find((m) => m.to.includes(who.contact)));
    await page.fill('#code', codeFrom(codeMail.text));
    await navigating(page, () => page.click('form[action$="/contact/verify"] button'));
    const revealLink = await linkFor(who.invite, 'r');
    await page.goto(revealLink);
    runtime.vault.failNext(1, 503);
    await navigating(page, () => page.click('form[action$="/reveal"] button'));
    expect(await page.locator('#app-password').count()).toBe(0);
    await check(page, 'en-1280-server-error');
    await page.goto(revealLink);
    await page.click('form[action$="/reveal"] button');
    await page.waitForSelector('#app-password');
    expect(await page.textContent('#app-password')).toBe((await vault.getSecret(`apppw-${who.id}`)).value);
    await context.close();
  });
});
