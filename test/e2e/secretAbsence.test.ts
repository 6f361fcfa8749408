import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { appPasswordSecretName } from '../../functions/handlers/activities.js';
import type { EnrollmentStatusBody } from '../../core/hrApiSchemas.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';
import { mailedLinkTokens, reportMfa } from '../helpers/enrollmentJourney.js';

let runtime: TestRuntime;
let sdk: SecretClient;

beforeAll(async () => {
  // The retrieval window is short so the same file can also watch the password expire unrevealed.
  runtime = await startTestRuntime({ RETRIEVAL_VALID_FOR: 'PT3S' });
  sdk = new SecretClient(runtime.vault.url, createLocalEmulatorCredential(), {
    allowInsecureConnection: true,
    disableChallengeResourceVerification: true,
  });
});

afterAll(async () => {
  await runtime.stop();
});

async function stageOf(id: string): Promise<EnrollmentStatusBody> {
  return (await (await runtime.api(`/api/enrollments/${id}`)).json()) as EnrollmentStatusBody;
}

describe('no secret outside the vault', () => {
  it('keeps the app password and link tokens out of history, tables, statuses and logs', async () => {
    const started = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: 'E9001',
        userPrincipalName: 'bo.hansen@contoso.dk',
        displayName: 'Bo Hansen',
        inviteEmail: 'bo@example.com',
        contact: { email: 'bo.private@example.com' },
      },
    });
    const { id } = (await started.json()) as { id: string };
    await runtime.api(`/api/enrollments/${id}/events/contact-verified`, { method: 'POST' });
    await reportMfa(runtime, id, 'bo.hansen@contoso.dk');
    await waitFor('stage ready', async () => ((await stageOf(id)).stage === 'ready' ? true : undefined));
    // The stage turns ready just before the ready mail goes out: wait for the mail too.
    await waitFor('the ready mail', () =>
      runtime.mail.messages().find((message) => message.links.some((link) => link.includes('/r/'))),
    );

    const secret = await sdk.getSecret(appPasswordSecretName(id));
    const password = secret.value ?? '';
    expect(password).toMatch(/^[a-z]{16}$/);
    const grouped = password.replace(/(.{4})(?=.)/g, '$1 ');
    const tokens = mailedLinkTokens(runtime);
    expect(tokens.length).toBeGreaterThanOrEqual(2);

    const status = await runtime.taskHub.status(id, true);
    const places: Record<string, string> = {
      'orchestration input': JSON.stringify(status?.input),
      'orchestration output': JSON.stringify(status?.output),
      'custom status': JSON.stringify(status?.customStatus),
      history: JSON.stringify(status?.historyEvents),
      'every table row in Azurite': await runtime.dumpTables(),
      'every captured log line': runtime.logs.join('\n'),
      'the status API': JSON.stringify(await stageOf(id)),
    };
    // The scan must be able to fail: the history does hold the secret's reference.
    expect(places['history']).toContain(secret.properties.version ?? 'missing');
    // The ready link's row carries what the reveal needs, and the scan covers it: the password's reference, the page
    // secret the enrollment record holds too, the user name and language; its key is the token's hash.
    const rows = JSON.parse(places['every table row in Azurite'] ?? '[]') as Record<string, unknown>[];
    const readyRow = rows.find((row) => String(row['table']).endsWith('LinkTokens') && row['purpose'] === 'reveal');
    const record = rows.find(
      (row) => String(row['table']).endsWith('Enrollments') && row['enrollmentId'] === id && 'pageSecret' in row,
    );
    const system = new Set(['table', 'partitionKey', 'rowKey', 'timestamp', 'etag']);
    expect(
      Object.keys(readyRow ?? {})
        .filter((key) => !system.has(key))
        .sort(),
    ).toEqual([
      'appPasswordSecretName',
      'appPasswordVersion',
      'enrollmentId',
      'expiresAt',
      'locale',
      'pageSecret',
      'purpose',
      'userPrincipalName',
    ]);
    expect(readyRow).toMatchObject({
      appPasswordSecretName: appPasswordSecretName(id),
      appPasswordVersion: secret.properties.version,
      pageSecret: record?.['pageSecret'] ?? 'the record has one',
      userPrincipalName: 'bo.hansen@contoso.dk',
    });
    for (const [place, text] of Object.entries(places)) {
      expect(text, `password in ${place}`).not.toContain(password);
      expect(text, `grouped password in ${place}`).not.toContain(grouped);
      for (const token of tokens) expect(text, `link token in ${place}`).not.toContain(token);
    }
  });

  it('disables the secret when the retrieval window closes unrevealed', async () => {
    const started = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: 'E9002',
        userPrincipalName: 'eva@contoso.dk',
        displayName: 'Eva',
        inviteEmail: 'eva@example.com',
        contact: { phone: '+4520000000' },
        locale: 'en',
      },
    });
    const { id } = (await started.json()) as { id: string };
    await runtime.api(`/api/enrollments/${id}/events/contact-verified`, { method: 'POST' });
    await reportMfa(runtime, id, 'eva@contoso.dk');
    const expired = await waitFor(
      'stage expired',
      async () => {
        const status = await stageOf(id);
        return status.stage === 'expired' ? status : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(expired.reason).toBe('retrieval-deadline');
    await expect(sdk.getSecret(appPasswordSecretName(id))).rejects.toMatchObject({ statusCode: 403 });
    // The ready link lived as long as the window: it now says so, and a reveal through it reveals nothing.
    const readyLink = runtime.mail
      .messages()
      .filter((message) => message.to.includes('eva@example.com'))
      .flatMap((message) => message.links)
      .find((link) => link.includes('/r/'));
    const readyPath = new URL(readyLink ?? '').pathname;
    const page = await fetch(`${runtime.url}${readyPath}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('expired');
    const reveal = await fetch(`${runtime.url}${readyPath}/reveal`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: 'csrf=x&code=123456',
    });
    expect(reveal.status).toBe(410);
    const subjects = runtime.mail
      .messages()
      .filter((message) => message.to.includes('eva@example.com'))
      .map((message) => message.subject);
    expect(subjects).toEqual([
      'Set up your work sign-in',
      'Your app password is ready',
      'Your set-up link has expired',
    ]);
  });
});
