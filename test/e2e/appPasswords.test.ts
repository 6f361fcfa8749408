import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFrom, csrfOf, EmployeeAgent, revealedPassword } from '../helpers/employeeBrowser.js';
import {
  revealedEnrollment as revealed,
  revealWithCode,
  untilStage,
  type RevealedEnrollment,
} from '../helpers/enrollmentJourney.js';
import { startTestRuntime, testRelyingServiceKey, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * The machine-facing side of app passwords, through the local runtime with the real SDKs: relying services verify
 * against hashes in Table Storage (never the vault), HR lists, revokes and re-issues per device label.
 */

let runtime: TestRuntime;

const verify = (body: unknown, key: string | null = testRelyingServiceKey) =>
  runtime.api('/api/app-passwords/verify', { method: 'POST', json: body, key });
const revealedEnrollment = (extra: Record<string, unknown> = {}, options: { phone?: string } = {}) =>
  revealed(runtime, extra, options);

async function listLabels(upn: string) {
  const response = await runtime.api(`/api/users/${encodeURIComponent(upn)}/app-passwords`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { appPasswords: { label: string; status: string; issuedAt?: string }[] })
    .appPasswords;
}

beforeAll(async () => {
  runtime = await startTestRuntime({ VERIFY_MAX_FAILURES_PER_USER: '3', MAX_APP_PASSWORDS_PER_USER: '3' });
});

afterAll(async () => {
  await runtime.stop();
});

describe('POST /api/app-passwords/verify', () => {
  let anna: RevealedEnrollment;

  beforeAll(async () => {
    anna = await revealedEnrollment({ deviceLabel: 'Anna laptop' });
  }, 60_000);

  it('says valid, with the device label and issue date, for the revealed password, however it is grouped', async () => {
    for (const presented of [anna.password, anna.password.replace(/(.{4})(?=.)/g, '$1 ').toUpperCase()]) {
      const response = await verify({ userPrincipalName: anna.upn.toUpperCase(), password: presented });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { valid: boolean; deviceLabel: string; issuedAt: string };
      expect(body).toEqual({ valid: true, deviceLabel: 'Anna laptop', issuedAt: expect.any(String) as string });
      expect(Number.isNaN(Date.parse(body.issuedAt))).toBe(false);
    }
  });

  it('answers a wrong password and an unknown user with the same status, headers and body', async () => {
    const wrong = await verify({ userPrincipalName: anna.upn, password: 'abcdabcdabcdabcd' });
    const unknown = await verify({ userPrincipalName: `nobody.${Date.now()}@contoso.dk`, password: anna.password });
    expect(wrong.status).toBe(200);
    expect(unknown.status).toBe(wrong.status);
    const headerNames = (response: Response) => [...response.headers.keys()].filter((name) => name !== 'date').sort();
    expect(headerNames(unknown)).toEqual(headerNames(wrong));
    expect(unknown.headers.get('content-type')).toBe(wrong.headers.get('content-type'));
    expect(await unknown.text()).toBe(await wrong.text());
    expect(await verify({ userPrincipalName: anna.upn, password: anna.password }).then((r) => r.json())).toMatchObject({
      valid: true,
    });
  });

  it('never calls the vault: 25 verifies leave the local vault’s request log unchanged', async () => {
    const before = runtime.vault.requests.length;
    for (let i = 0; i < 25; i += 1) {
      // Wrong guesses go to users that do not exist, so Anna's own failure budget stays untouched.
      await verify(
        i % 2 === 0
          ? { userPrincipalName: anna.upn, password: anna.password }
          : { userPrincipalName: `nobody${i}@contoso.dk`, password: 'wrongwrongwrongw' },
      );
    }
    expect(runtime.vault.requests.length).toBe(before);
  });

  it('needs the relying services’ own key: no key and HR’s key are refused, and that key opens no HR endpoint', async () => {
    expect((await verify({ userPrincipalName: anna.upn, password: anna.password }, null)).status).toBe(401);
    expect(
      (
        await runtime.api('/api/app-passwords/verify', {
          method: 'POST',
          json: { userPrincipalName: anna.upn, password: anna.password },
        })
      ).status,
    ).toBe(401);
    expect((await runtime.api(`/api/enrollments/${anna.id}`, { key: testRelyingServiceKey })).status).toBe(401);
    expect(
      (await runtime.api(`/api/users/${encodeURIComponent(anna.upn)}/app-passwords`, { key: testRelyingServiceKey }))
        .status,
    ).toBe(401);
  });

  it('refuses malformed bodies with a problem document and no attempt counted', async () => {
    const response = await verify({ userPrincipalName: 'not-an-address', password: '', extra: 1 });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: { pointer: string }[] };
    expect(problem.errors.map((error) => error.pointer).sort()).toEqual(['/extra', '/password', '/userPrincipalName']);
  });

  it('locks a user after the allowed failures, even for the right password and for a user that does not exist', async () => {
    const bob = await revealedEnrollment();
    const ghost = `ghost.${Date.now()}@contoso.dk`;
    for (const upn of [bob.upn, ghost]) {
      for (let i = 0; i < 3; i += 1) {
        expect(await (await verify({ userPrincipalName: upn, password: 'wrongwrongwrongw' })).json()).toEqual({
          valid: false,
        });
      }
    }
    const locked = await verify({ userPrincipalName: bob.upn, password: bob.password });
    const ghostLocked = await verify({ userPrincipalName: ghost, password: bob.password });
    for (const response of [locked, ghostLocked]) {
      expect(response.status).toBe(429);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const retryAfter = Number(response.headers.get('retry-after'));
      // Until the current 15-minute window ends, not a whole window from now.
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(900);
    }
    // Other users are not affected.
    expect(await (await verify({ userPrincipalName: anna.upn, password: anna.password })).json()).toMatchObject({
      valid: true,
    });
    // Every failure is audited, with neither password in the audit or anywhere else in storage or the logs.
    const tables = await runtime.dumpTables();
    expect(tables.match(/app-password-verify-failed/g)?.length ?? 0).toBeGreaterThanOrEqual(6);
    for (const secret of [bob.password, anna.password, 'wrongwrongwrongw']) {
      expect(tables).not.toContain(secret);
      expect(runtime.logs.join('\n')).not.toContain(secret);
    }
  }, 60_000);
});

describe('device-labelled app passwords for HR', () => {
  it('re-issues for another device through the verified contact, lists both, and refuses a taken label', async () => {
    const first = await revealedEnrollment({ deviceLabel: 'Work laptop' });
    const reissue = () =>
      runtime.api(`/api/enrollments/${first.id}/app-passwords`, { method: 'POST', json: { deviceLabel: 'iPhone' } });
    const response = await reissue();
    expect(response.status).toBe(202);
    const issued = (await response.json()) as { id: string; deviceLabel: string; statusUrl: string };
    expect(issued.deviceLabel).toBe('iPhone');
    expect(response.headers.get('location')).toBe(issued.statusUrl);

    // The same request again is the same issuance, not a second password.
    const repeated = await reissue();
    expect(repeated.status).toBe(200);
    expect(((await repeated.json()) as { id: string }).id).toBe(issued.id);

    const readyLink = await waitFor('re-issue ready link to the contact', () =>
      runtime.mail
        .messages()
        .filter((m) => 'email' in first.contact && m.to.includes(first.contact.email))
        .flatMap((m) => m.links)
        .find((link) => link.includes('/r/')),
    );
    const second = await revealWithCode(runtime, readyLink, first.contact);
    expect(second).not.toBe(first.password);
    await untilStage(runtime, issued.id, 'revealed');

    for (const [password, label] of [
      [first.password, 'Work laptop'],
      [second, 'iPhone'],
    ] as const) {
      expect(await (await verify({ userPrincipalName: first.upn, password })).json()).toMatchObject({
        valid: true,
        deviceLabel: label,
      });
    }
    const listed = await listLabels(first.upn);
    expect(listed.map((item) => [item.label, item.status])).toEqual([
      ['Work laptop', 'active'],
      ['iPhone', 'active'],
    ]);
    expect(JSON.stringify(listed)).not.toContain(first.password);
    expect(JSON.stringify(listed)).not.toContain(second);

    const clash = await runtime.api(`/api/enrollments/${first.id}/app-passwords`, {
      method: 'POST',
      json: { deviceLabel: 'IPHONE' },
    });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { detail: string }).detail).toContain('iPhone');
  }, 90_000);

  it('re-issues to a phone-only contact by SMS; the code to reveal it comes by SMS too, and no text holds a secret', async () => {
    const phone = `+4530${String(Date.now()).slice(-6)}`;
    const first = await revealedEnrollment({}, { phone });
    const response = await runtime.api(`/api/enrollments/${first.id}/app-passwords`, {
      method: 'POST',
      json: { deviceLabel: 'Tablet' },
    });
    expect(response.status).toBe(202);
    const texts = () => runtime.sms.messages().filter((m) => m.to === phone);
    const link = await waitFor('re-issue link by SMS', () =>
      texts()
        .map((m) => /https?:\/\/\S+\/r\/[A-Za-z0-9_-]{43}/.exec(m.text)?.[0])
        .find((found) => found !== undefined),
    );
    const second = await revealWithCode(runtime, link, { phone });
    expect(await (await verify({ userPrincipalName: first.upn, password: second })).json()).toMatchObject({
      valid: true,
      deviceLabel: 'Tablet',
    });
    for (const message of texts()) {
      expect(message.text).not.toContain(second);
      expect(message.text).not.toContain(first.password);
    }
  }, 60_000);

  it('stops at the per-user maximum with a 409 that says what to do', async () => {
    const user = await revealedEnrollment();
    for (const label of ['tablet', 'printer']) {
      const response = await runtime.api(`/api/enrollments/${user.id}/app-passwords`, {
        method: 'POST',
        json: { deviceLabel: label },
      });
      expect(response.status).toBe(202);
    }
    const over = await runtime.api(`/api/enrollments/${user.id}/app-passwords`, {
      method: 'POST',
      json: { deviceLabel: 'watch' },
    });
    expect(over.status).toBe(409);
    expect(((await over.json()) as { detail: string }).detail).toMatch(/3 app passwords.*revoke one/);
  }, 60_000);

  it('re-issues only for a finished enrollment whose employee verified', async () => {
    const response = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: `PEND${Date.now().toString(36)}`,
        userPrincipalName: `pending.${Date.now().toString(36)}@contoso.dk`,
        displayName: 'Pending',
        inviteEmail: 'pending@example.com',
        contact: { email: 'pending.contact@example.com' },
      },
    });
    const { id } = (await response.json()) as { id: string };
    const early = await runtime.api(`/api/enrollments/${id}/app-passwords`, {
      method: 'POST',
      json: { deviceLabel: 'x' },
    });
    expect(early.status).toBe(409);
    const missing = await runtime.api(`/api/enrollments/${crypto.randomUUID()}/app-passwords`, {
      method: 'POST',
      json: { deviceLabel: 'x' },
    });
    expect(missing.status).toBe(404);
    const noLabel = await runtime.api(`/api/enrollments/${id}/app-passwords`, { method: 'POST', json: {} });
    expect(noLabel.status).toBe(400);
  });

  it('revokes one label: it stops verifying at once, its vault version is disabled, and it is audited', async () => {
    const user = await revealedEnrollment({ deviceLabel: 'Desk phone' });
    const vaultBefore = runtime.vault.requests.length;
    const response = await runtime.api(`/api/users/${encodeURIComponent(user.upn)}/app-passwords/desk%20PHONE`, {
      method: 'DELETE',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userPrincipalName: user.upn, revoked: ['Desk phone'] });
    expect(await (await verify({ userPrincipalName: user.upn, password: user.password })).json()).toEqual({
      valid: false,
    });
    const disables = runtime.vault.requests.slice(vaultBefore).filter((request) => request.method === 'PATCH');
    expect(disables).toHaveLength(1);
    expect(await listLabels(user.upn)).toEqual([]);
    expect(await runtime.dumpTables()).toContain('app-password-revoked');
    const again = await runtime.api(`/api/users/${encodeURIComponent(user.upn)}/app-passwords/Desk%20phone`, {
      method: 'DELETE',
    });
    expect(again.status).toBe(404);
  }, 60_000);

  it('revokes all of a user’s passwords in one call, cancelling one still on its way', async () => {
    const user = await revealedEnrollment({ deviceLabel: 'one' });
    const pending = await runtime.api(`/api/enrollments/${user.id}/app-passwords`, {
      method: 'POST',
      json: { deviceLabel: 'two' },
    });
    const { id: pendingId } = (await pending.json()) as { id: string };
    await untilStage(runtime, pendingId, 'ready');
    // Someone holding the pending password's ready link asks for a code while it is still ready.
    const contact = 'email' in user.contact ? user.contact.email : '';
    const toContact = () => runtime.mail.messages().filter((message) => message.to.includes(contact));
    const readyLink = await waitFor('the ready link to the contact', () =>
      toContact()
        .flatMap((message) => message.links)
        .find((link) => link.includes('/r/')),
    );
    const readyPath = new URL(readyLink).pathname;
    const holder = new EmployeeAgent(runtime.url);
    const csrf = csrfOf((await holder.get(readyPath)).html);
    const sent = toContact().length;
    await holder.submit(`${readyPath}/code`, { csrf });
    const code = codeFrom((await waitFor('the reveal code', () => toContact()[sent])).text);
    const response = await runtime.api(`/api/users/${encodeURIComponent(user.upn)}/app-passwords`, {
      method: 'DELETE',
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { revoked: string[] }).revoked.sort()).toEqual(['one', 'two']);
    expect(await (await verify({ userPrincipalName: user.upn, password: user.password })).json()).toEqual({
      valid: false,
    });
    await untilStage(runtime, pendingId, 'cancelled');
    expect(await listLabels(user.upn)).toEqual([]);
    // The ready link, with a right code, no longer reveals: the orchestration took the reveal before disabling it.
    const late = await holder.submit(`${readyPath}/reveal`, { csrf, code });
    expect(late.status).toBe(410);
    expect(late.html).toContain('cancelled');
    expect(revealedPassword(late.html)).toBeUndefined();
  }, 60_000);

  it('refuses to start an enrollment whose device label the user already has', async () => {
    const user = await revealedEnrollment({ deviceLabel: 'Car' });
    const response = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: `CAR${Date.now().toString(36)}`,
        userPrincipalName: user.upn,
        displayName: 'Again',
        inviteEmail: 'again@example.com',
        contact: { email: 'again@example.com' },
        deviceLabel: 'car',
      },
    });
    expect(response.status).toBe(409);
    expect(await listLabels(user.upn)).toHaveLength(1);
  }, 60_000);
});
