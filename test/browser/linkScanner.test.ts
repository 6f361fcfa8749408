import { SecretClient } from '@azure/keyvault-secrets';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { chromiumAvailable, launchChromium, navigating } from '../helpers/browser.js';
import { codeFrom } from '../helpers/employeeBrowser.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';
import { reportMfa } from '../helpers/enrollmentJourney.js';

const describeInChromium = chromiumAvailable() ? describe : describe.skip;

let runtime: TestRuntime;
let browser: Browser;

describeInChromium('mail link scanners never consume the reveal', () => {
  beforeAll(async () => {
    runtime = await startTestRuntime();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await runtime.stop();
  });

  it('survives GET, HEAD, a cookieless fetch and a browser that submits every form and clicks every button', async () => {
    const response = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: 'S1',
        userPrincipalName: 'scan.me@contoso.dk',
        displayName: 'Scan Me',
        inviteEmail: 'scan@example.com',
        contact: { email: 'scan.private@example.com' },
        locale: 'en',
      },
    });
    const { id } = (await response.json()) as { id: string };
    await reportMfa(runtime, id, 'scan.me@contoso.dk');

    // The employee verifies their contact in their own browser, which gets the session cookie.
    const person = await browser.newContext();
    const personPage = await person.newPage();
    const invitation = await waitFor(
      'invitation',
      () => runtime.mail.messages().find((m) => m.to.includes('scan@example.com'))?.links[0],
    );
    await personPage.goto(invitation);
    await personPage.click('form[action$="/contact/send"] button[value="email"]');
    await personPage.waitForSelector('#code');
    const codeMail = await waitFor('code', () =>
      runtime.mail.messages().find((m) => m.to.includes('scan.private@example.com')),
    );
    await personPage.fill('#code', codeFrom(codeMail.text));
    await navigating(personPage, () => personPage.click('form[action$="/contact/verify"] button'));
    const revealLink = await waitFor('ready link', () =>
      runtime.mail
        .messages()
        .flatMap((m) => m.links)
        .find((link) => link.includes('/r/')),
    );
    await waitFor('ready', async () => {
      const status = (await (await runtime.api(`/api/enrollments/${id}`)).json()) as { stage: string };
      return status.stage === 'ready' ? true : undefined;
    });

    // Scanners: plain GETs, HEADs, a Go-style client, and a headless browser that submits and clicks everything.
    for (const method of ['GET', 'HEAD', 'GET']) {
      const scanned = await fetch(revealLink, { method, headers: { 'user-agent': 'Go-http-client/1.1' } });
      expect(scanned.status).toBe(200);
    }
    const scanner = await browser.newContext();
    const scannerPage = await scanner.newPage();
    await scannerPage.goto(revealLink);
    const forms = await scannerPage.locator('form').count();
    for (let index = 0; index < forms; index += 1) {
      await scannerPage.goto(revealLink);
      await navigating(scannerPage, () => scannerPage.evaluate(`document.querySelectorAll('form')[${index}].submit()`));
      expect(await scannerPage.locator('#app-password').count()).toBe(0);
    }
    await scannerPage.goto(revealLink);
    const buttons = await scannerPage.locator('button').count();
    for (let index = 0; index < buttons; index += 1) {
      await scannerPage.goto(revealLink);
      const button = scannerPage.locator('button').nth(index);
      // A button whose form fails validation (the empty, required code field) does not navigate at all.
      const submits = await button.evaluate('(el) => el.form !== null && el.form.checkValidity()');
      if (submits === true) await navigating(scannerPage, () => button.click());
      else await button.click();
      expect(await scannerPage.locator('#app-password').count()).toBe(0);
    }
    await scanner.close();
    expect(((await (await runtime.api(`/api/enrollments/${id}`)).json()) as { stage: string }).stage).toBe('ready');

    // The person still gets the password, once.
    await personPage.goto(revealLink);
    await personPage.click('form[action$="/reveal"] button');
    await personPage.waitForSelector('#app-password');
    const vault = new SecretClient(runtime.vault.url, createLocalEmulatorCredential(), {
      allowInsecureConnection: true,
      disableChallengeResourceVerification: true,
    });
    expect(await personPage.textContent('#app-password')).toBe((await vault.getSecret(`apppw-${id}`)).value);
    await person.close();
  });
});
