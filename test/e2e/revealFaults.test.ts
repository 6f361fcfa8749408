import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { createTableAuditLog } from '../../adapters/tables/auditLog.js';
import { createTableClientFactory } from '../../adapters/tables/tableClients.js';
import { appPasswordSecretName } from '../../functions/handlers/activities.js';
import { codeFrom, csrfOf, EmployeeAgent, revealedPassword } from '../helpers/employeeBrowser.js';
import { readyWithSession, stageOf, type ReadyEnrollment } from '../helpers/enrollmentJourney.js';
import { startTableFaultProxy, type TableFaultProxy } from '../helpers/tableFaultProxy.js';
import { startTestRuntime, testRelyingServiceKey, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * Every step after a reveal's claim, made to fail through the local runtime: the app's tables behind a proxy that
 * faults chosen requests, the task hub refusing the PasswordRevealed event, the vault failing the read. The password
 * is shown whenever it was read, is never lost, never disabled once shown, and keeps verifying.
 */

let runtime: TestRuntime;
let proxy: TableFaultProxy;
const prefix = `Rf${Date.now().toString(36)}`;

beforeAll(async () => {
  proxy = await startTableFaultProxy(inject('azuriteConnectionString'));
  runtime = await startTestRuntime({
    APP_TABLES: proxy.connectionString,
    APP_TABLE_PREFIX: prefix,
    // Long enough to reach the reveal, short enough to watch the deadline reconcile a lost event.
    RETRIEVAL_VALID_FOR: 'PT40S',
  });
}, 60_000);

afterEach(() => {
  proxy.clear();
  runtime.raiseEventFaults.clear();
});

afterAll(async () => {
  await runtime.stop();
  await proxy.close();
});

const inserts = (table: string) => ({ method: 'POST', path: new RegExp(`/${prefix}${table}(\\?|$)`) });
/** The audit's inserts: one row at a time, or several of one enrollment in a transaction (only the audit batches). */
const auditWrites = { method: 'POST', path: new RegExp(`/(${prefix}Audit|\\$batch)(\\?|$)`) };

async function reveal(ready: ReadyEnrollment): Promise<{ status: number; password: string | undefined }> {
  const csrf = csrfOf((await ready.agent.get(ready.revealPath)).html);
  const page = await ready.agent.submit(`${ready.revealPath}/reveal`, { csrf });
  return { status: page.status, password: revealedPassword(page.html) };
}

async function auditActions(enrollmentId: string): Promise<{ action: string; detail?: string }[]> {
  const tables = createTableClientFactory(
    { connectionString: inject('azuriteConnectionString') },
    { tablePrefix: prefix },
  );
  return createTableAuditLog(tables).list(enrollmentId);
}

/** What must hold of a password once shown: the vault version enabled, and verify saying valid. */
async function expectKept(ready: ReadyEnrollment, password: string): Promise<void> {
  const vault = new SecretClient(runtime.vault.url, createLocalEmulatorCredential(), {
    allowInsecureConnection: true,
    disableChallengeResourceVerification: true,
  });
  const secret = await vault.getSecret(appPasswordSecretName(ready.id));
  expect(secret.properties.enabled).toBe(true);
  expect(secret.value).toBe(password);
  const verified = await runtime.api('/api/app-passwords/verify', {
    method: 'POST',
    key: testRelyingServiceKey,
    json: { userPrincipalName: ready.upn, password },
  });
  expect(await verified.json()).toMatchObject({ valid: true });
}

describe('a reveal no transient failure can burn', () => {
  it.each([
    [503, 'retried by the SDK'],
    [403, 'refused at once'],
  ])(
    'shows the password while every audit write after the claim fails (%i, %s); the outcome records the reveal',
    async (status) => {
      const ready = await readyWithSession(runtime);
      proxy.inject(auditWrites, 1_000, 'fail', status);
      const shown = await reveal(ready);
      expect(shown.status).toBe(200);
      expect(shown.password).toBeDefined();
      // The audit is written after the answer: the answer came, and the writes failed, whatever their order.
      await waitFor('the audit write to fail', () => (proxy.faulted > 0 ? true : undefined));
      proxy.clear();
      await waitFor('revealed', async () => ((await stageOf(runtime, ready.id)) === 'revealed' ? true : undefined));
      await expectKept(ready, shown.password ?? '');
      const outcome = await waitFor('the outcome in the audit trail', async () =>
        (await auditActions(ready.id)).find((entry) => entry.action === 'enrollment-revealed'),
      );
      expect(outcome.detail).toMatch(/^version \w+ claimed at \d{4}-/);
    },
    60_000,
  );

  it('answers without waiting for the work after the vault read; that work lands once storage answers again', async () => {
    const ready = await readyWithSession(runtime);
    // The audit row, the link-miss slot given back and the event: each held without an answer.
    proxy.inject(auditWrites, 1_000, 'hang');
    proxy.inject({ method: 'DELETE', path: new RegExp(`/${prefix}RateLimits\\(`) }, 1_000, 'hang');
    runtime.raiseEventFaults.hang(1_000);
    const shown = await reveal(ready);
    expect(shown.status).toBe(200);
    expect(shown.password).toBeDefined();
    await waitFor('the work after the answer, held', () =>
      proxy.faulted >= 2 && runtime.raiseEventFaults.hung.size > 0 ? true : undefined,
    );
    // Storage and the task hub answer again: the held requests fail, and their retries land.
    proxy.clear();
    runtime.raiseEventFaults.clear();
    for (const response of runtime.raiseEventFaults.hung) response.destroy();
    await waitFor('revealed', async () => ((await stageOf(runtime, ready.id)) === 'revealed' ? true : undefined));
    await waitFor('the reveal in the audit trail', async () =>
      (await auditActions(ready.id)).some((entry) => entry.action === 'app-password-revealed') ? true : undefined,
    );
    await expectKept(ready, shown.password ?? '');
  }, 60_000);

  it('shows the password with a code while its audit batch and the spent code fail after the answer', async () => {
    const ready = await readyWithSession(runtime);
    // Another browser, without the session cookie: presence is proven with a code to the verified contact.
    const agent = new EmployeeAgent(runtime.url);
    const csrf = csrfOf((await agent.get(ready.revealPath)).html);
    const contact = 'email' in ready.contact ? ready.contact.email : '';
    const toContact = () => runtime.mail.messages().filter((message) => message.to.includes(contact));
    const sent = toContact().length;
    await agent.submit(`${ready.revealPath}/code`, { csrf });
    const code = codeFrom((await waitFor('the reveal code', () => toContact()[sent])).text);
    proxy.inject(auditWrites, 1_000, 'fail', 503);
    proxy.inject({ method: 'DELETE', path: new RegExp(`/${prefix}OneTimeCodes\\(`) }, 1_000, 'fail', 503);
    const shown = await agent.submit(`${ready.revealPath}/reveal`, { csrf, code });
    expect(shown.status).toBe(200);
    const password = revealedPassword(shown.html);
    expect(password).toBeDefined();
    await waitFor('the work after the answer to fail', () => (proxy.faulted >= 2 ? true : undefined));
    // The code could not be spent, and it opens nothing more: its reveal is claimed.
    const again = await agent.submit(`${ready.revealPath}/reveal`, { csrf, code });
    expect(again.status).toBe(410);
    expect(revealedPassword(again.html)).toBeUndefined();
    proxy.clear();
    await waitFor('revealed', async () => ((await stageOf(runtime, ready.id)) === 'revealed' ? true : undefined));
    await expectKept(ready, password ?? '');
  }, 60_000);

  it('shows the password when the answer to its claim is lost after the claim landed', async () => {
    const ready = await readyWithSession(runtime);
    proxy.inject(inserts('RevealClaims'), 1, 'lose-answer');
    const shown = await reveal(ready);
    expect(proxy.faulted).toBe(1);
    expect(shown.status).toBe(200);
    expect(shown.password).toBeDefined();
    await waitFor('revealed', async () => ((await stageOf(runtime, ready.id)) === 'revealed' ? true : undefined));
    await expectKept(ready, shown.password ?? '');
  }, 60_000);

  it('shows the password when PasswordRevealed cannot be raised; the deadline finds the claim and ends revealed', async () => {
    const ready = await readyWithSession(runtime);
    // Every try, however long the app keeps trying after the answer.
    runtime.raiseEventFaults.fail(1_000, 503);
    const shown = await reveal(ready);
    expect(shown.status).toBe(200);
    expect(shown.password).toBeDefined();
    // The event never arrives: the enrollment still looks ready, until the retrieval deadline reads the claim.
    expect(await stageOf(runtime, ready.id)).toBe('ready');
    await waitFor(
      'revealed at the deadline',
      async () => ((await stageOf(runtime, ready.id)) === 'revealed' ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const actions = (await auditActions(ready.id)).map((entry) => entry.action);
    expect(actions).toContain('app-password-kept');
    expect(actions).not.toContain('app-password-disabled');
    expect(
      runtime.mail.messages().filter((m) => m.to.includes(ready.invite) && /expired|udløbet/i.test(m.subject)),
    ).toEqual([]);
    await expectKept(ready, shown.password ?? '');
  }, 120_000);

  it('gives the reveal back when the vault read fails, even through failing storage, and the next try shows it', async () => {
    const ready = await readyWithSession(runtime);
    runtime.vault.failNext(1, 503);
    // The first attempt to give the claim back fails outright (the SDK's own retries included).
    proxy.inject({ method: 'DELETE', path: new RegExp(`/${prefix}RevealClaims\\(`) }, 4);
    const failed = await reveal(ready);
    expect(failed.status).toBe(500);
    expect(failed.password).toBeUndefined();
    expect(proxy.faulted).toBe(4);
    const shown = await reveal(ready);
    expect(shown.status).toBe(200);
    expect(shown.password).toBeDefined();
    await waitFor('revealed', async () => ((await stageOf(runtime, ready.id)) === 'revealed' ? true : undefined));
    await expectKept(ready, shown.password ?? '');
  }, 60_000);
});
