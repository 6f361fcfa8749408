import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import type { EnrollmentStatusBody } from '../../core/hrApiSchemas.js';
import { EmployeeAgent, codeFrom, csrfOf, revealedPassword } from '../helpers/employeeBrowser.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';
import { reportMfa } from '../helpers/enrollmentJourney.js';

let runtime: TestRuntime;
let vault: SecretClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  vault = new SecretClient(runtime.vault.url, createLocalEmulatorCredential(), {
    allowInsecureConnection: true,
    disableChallengeResourceVerification: true,
  });
});

afterAll(async () => {
  await runtime.stop();
});

async function hrStatus(id: string): Promise<EnrollmentStatusBody> {
  return (await (await runtime.api(`/api/enrollments/${id}`)).json()) as EnrollmentStatusBody;
}

const linkTo = (kind: 'e' | 'r', to: string) =>
  waitFor(`the /${kind}/ link to ${to}`, () =>
    runtime.mail
      .messages()
      .filter((message) => message.to.includes(to))
      .flatMap((message) => message.links)
      .map((link) => new URL(link).pathname)
      .find((path) => path.startsWith(`/${kind}/`)),
  );

describe('the employee journey over HTTP', () => {
  it('goes from HR start to one reveal of the password that is in the vault', async () => {
    const started = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: 'E5001',
        userPrincipalName: 'anna.jensen@contoso.dk',
        displayName: 'Anna Jensen',
        inviteEmail: 'anna@example.com',
        contact: { email: 'anna.private@example.com' },
        locale: 'en',
      },
    });
    const { id } = (await started.json()) as { id: string };
    const enrollPath = await linkTo('e', 'anna@example.com');
    const agent = new EmployeeAgent(runtime.url);

    const landing = await agent.get(enrollPath);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('cache-control')).toBe('no-store');
    expect(landing.headers.get('referrer-policy')).toBe('no-referrer');
    expect(landing.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(landing.html).toContain('Hi Anna Jensen');
    const csrf = csrfOf(landing.html);

    const tooEarly = await agent.submit(`${enrollPath}/mfa`, { csrf });
    expect(tooEarly.status).toBe(200);
    expect(tooEarly.html).toContain('cannot see two-step sign-in');

    runtime.directory.setMfaRegistered('anna.jensen@contoso.dk', true);
    const mfa = await agent.submit(`${enrollPath}/mfa`, { csrf });
    expect(mfa.status).toBe(303);
    expect(mfa.location).toBe(enrollPath);
    expect((await agent.get(enrollPath)).html).toMatch(/1\. Set up two-step sign-in<\/h2>\s*<p class="status done">/);

    const send = await agent.submit(`${enrollPath}/contact/send`, { csrf, channel: 'email' });
    expect(send.status).toBe(303);
    const codeMail = await waitFor('the contact code', () =>
      runtime.mail.messages().find((message) => message.to.includes('anna.private@example.com')),
    );
    expect(codeMail.subject).not.toMatch(/\d{6}/);
    const code = codeFrom(codeMail.text);

    const wrong = await agent.submit(`${enrollPath}/contact/verify`, {
      csrf,
      code: code === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('4 tries left');
    const verified = await agent.submit(`${enrollPath}/contact/verify`, { csrf, code });
    expect(verified.status).toBe(303);
    const cookie = verified.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/enrollment_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict/);

    const revealPath = await linkTo('r', 'anna@example.com');
    await waitFor('ready', async () => ((await hrStatus(id)).stage === 'ready' ? true : undefined));

    const readyPage = await agent.get(revealPath);
    expect(readyPage.status).toBe(200);
    expect(readyPage.html).toContain('Show my app password');
    const reveal = await agent.submit(`${revealPath}/reveal`, { csrf: csrfOf(readyPage.html) });
    expect(reveal.status).toBe(200);
    const password = revealedPassword(reveal.html);
    const secret = await vault.getSecret(`apppw-${id}`);
    expect(password).toBe(secret.value);
    expect(reveal.html).toContain('anna.jensen@contoso.dk');

    const again = await agent.submit(`${revealPath}/reveal`, { csrf: csrfOf(readyPage.html) });
    expect(again.status).toBe(410);
    expect(again.html).toContain('Already shown');
    expect(revealedPassword(again.html)).toBeUndefined();

    await waitFor('revealed', async () => ((await hrStatus(id)).stage === 'revealed' ? true : undefined));
    expect((await agent.get(revealPath)).status).toBe(410);

    // After the whole journey the password, the code, the link tokens and the session token exist nowhere but in the
    // vault, the e-mails and the one reveal response.
    const status = await runtime.taskHub.status(id, true);
    const everywhere = [
      await runtime.dumpTables(),
      JSON.stringify(status),
      runtime.logs.join('\n'),
      JSON.stringify(await hrStatus(id)),
    ].join('\n');
    const sessionToken = /enrollment_session=([A-Za-z0-9_-]{43})/.exec(cookie)?.[1] ?? 'missing';
    for (const secretValue of [password ?? 'missing', enrollPath.slice(3), revealPath.slice(3), sessionToken]) {
      expect(everywhere).not.toContain(secretValue);
    }
    // Digit-bounded: the dump is full of timestamps whose fractions could contain any six digits.
    expect(everywhere).not.toMatch(new RegExp(`(?<![0-9])${code}(?![0-9])`));
    expect(everywhere).toContain(id);
  });

  it('reveals with a fresh code when the session cookie is gone, and never on GET or HEAD', async () => {
    const started = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: 'E5002',
        userPrincipalName: 'bo.hansen@contoso.dk',
        displayName: 'Bo Hansen',
        inviteEmail: 'bo@example.com',
        contact: { email: 'bo.private@example.com' },
        locale: 'da',
      },
    });
    const { id } = (await started.json()) as { id: string };
    await reportMfa(runtime, id, 'bo.hansen@contoso.dk');
    await runtime.api(`/api/enrollments/${id}/events/contact-verified`, { method: 'POST' });
    const revealPath = await linkTo('r', 'bo@example.com');
    await waitFor('ready', async () => ((await hrStatus(id)).stage === 'ready' ? true : undefined));

    const scanner = new EmployeeAgent(runtime.url);
    for (let i = 0; i < 3; i += 1) {
      expect((await scanner.get(revealPath)).status).toBe(200);
      expect((await fetch(`${runtime.url}${revealPath}`, { method: 'HEAD' })).status).toBe(200);
    }
    const page = await scanner.get(revealPath);
    expect(page.html).toContain('Send mig en kode');
    expect(page.html).not.toContain('id="app-password"');

    const noProof = await scanner.submit(`${revealPath}/reveal`, { csrf: csrfOf(page.html) });
    expect(noProof.status).toBe(400);
    const forged = await scanner.submit(`${revealPath}/reveal`, { csrf: 'forged' });
    expect(forged.status).toBe(403);
    const crossSite = await scanner.submit(
      `${revealPath}/reveal`,
      { csrf: csrfOf(page.html) },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.status).toBe(403);
    expect((await hrStatus(id)).stage).toBe('ready');

    const person = new EmployeeAgent(runtime.url);
    const personPage = await person.get(revealPath);
    expect((await person.submit(`${revealPath}/code`, { csrf: csrfOf(personPage.html) })).status).toBe(303);
    const codeMail = await waitFor('the reveal code', () =>
      runtime.mail.messages().find((message) => message.to.includes('bo.private@example.com')),
    );
    const withCode = await person.get(revealPath);
    const reveal = await person.submit(`${revealPath}/reveal`, {
      csrf: csrfOf(withCode.html),
      code: codeFrom(codeMail.text),
    });
    expect(reveal.status).toBe(200);
    expect(revealedPassword(reveal.html)).toBe((await vault.getSecret(`apppw-${id}`)).value);
  });

  it('verifies a phone-only contact with a code sent by SMS', async () => {
    await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: 'E5003',
        userPrincipalName: 'eva@contoso.dk',
        displayName: 'Eva',
        inviteEmail: 'eva@example.com',
        contact: { phone: '+4520123456' },
        locale: 'en',
      },
    });
    const enrollPath = await linkTo('e', 'eva@example.com');
    const agent = new EmployeeAgent(runtime.url);
    const page = await agent.get(enrollPath);
    expect(page.html).toContain('Text a code to +45 •• •• •• 56');
    expect(page.html).not.toContain('+4520123456');
    expect((await agent.submit(`${enrollPath}/contact/send`, { csrf: csrfOf(page.html), channel: 'sms' })).status).toBe(
      303,
    );
    const sms = await waitFor('the SMS', () => runtime.sms.messages().find((message) => message.to === '+4520123456'));
    const verified = await agent.submit(`${enrollPath}/contact/verify`, {
      csrf: csrfOf(page.html),
      code: codeFrom(sms.text),
    });
    expect(verified.status).toBe(303);
    expect(agent.hasSessionCookie).toBe(true);
  });

  it('shows an invalid-link page for unknown and malformed tokens, changing nothing', async () => {
    const agent = new EmployeeAgent(runtime.url);
    // Not a token at all: a bad request. A well-formed token that matches nothing: not found. The same page.
    const malformed = await agent.get('/e/not-a-token');
    expect(malformed.status).toBe(400);
    const unknown = `/e/${'C'.repeat(43)}`;
    expect(malformed.html.replaceAll('/e/not-a-token', '')).toBe(
      (await agent.get(unknown)).html.replaceAll(unknown, ''),
    );
    expect((await agent.get(`/e/${'A'.repeat(43)}`)).status).toBe(404);
    expect((await agent.get(`/r/${'B'.repeat(43)}`)).status).toBe(404);
    expect((await agent.submit(`/r/${'B'.repeat(43)}/reveal`, { csrf: 'x' })).status).toBe(404);
  });
});
