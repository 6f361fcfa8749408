import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTableClientFactory, encodeKey } from '../../adapters/tables/tableClients.js';
import type { EnrollmentStatusBody } from '../../core/hrApiSchemas.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';
import { reportMfa } from '../helpers/enrollmentJourney.js';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

const request = (employeeId: string, overrides: Record<string, unknown> = {}) => ({
  employeeId,
  userPrincipalName: `${employeeId.toLowerCase()}@contoso.dk`,
  displayName: 'Anna Jensen',
  inviteEmail: 'anna@example.com',
  contact: { email: 'anna.private@example.com', phone: '+4520123456' },
  locale: 'da',
  deviceLabel: 'Outlook on laptop',
  ...overrides,
});

async function statusOf(id: string): Promise<EnrollmentStatusBody> {
  const response = await runtime.api(`/api/enrollments/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as EnrollmentStatusBody;
}

describe('HR API over HTTP through the local runtime', () => {
  it('starts an enrollment, sends the invitation and reports its stage', async () => {
    const response = await runtime.api('/api/enrollments', { method: 'POST', json: request('E1001') });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; stage: string; statusUrl: string };
    expect(body.stage).toBe('invited');
    expect(body.statusUrl).toBe(`${runtime.url}/api/enrollments/${body.id}`);
    expect(response.headers.get('location')).toBe(body.statusUrl);
    await waitFor('the invitation', () => runtime.mail.messages().find((m) => m.to.includes('anna@example.com')));
    const status = await statusOf(body.id);
    expect(status).toMatchObject({ id: body.id, employeeId: 'E1001', stage: 'invited', mfaRegistered: false });
  });
});

describe('idempotent start', () => {
  it('answers the same body with 200 and the existing enrollment, a different body with 409', async () => {
    const first = await runtime.api('/api/enrollments', { method: 'POST', json: request('E2001') });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };

    const reordered = Object.fromEntries(Object.entries(request('E2001')).reverse());
    const again = await runtime.api('/api/enrollments', { method: 'POST', json: reordered });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id });

    const different = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: request('E2001', { displayName: 'Someone Else' }),
    });
    expect(different.status).toBe(409);
    expect(different.headers.get('content-type')).toContain('application/problem+json');
    expect(((await different.json()) as { detail: string }).detail).toContain(id);
  });

  it('starts exactly one orchestration when identical requests race', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => runtime.api('/api/enrollments', { method: 'POST', json: request('E2002') })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 202)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(11);
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    const instances = (await runtime.taskHub.list()).filter(
      (instance) => (instance.input as { employeeId?: string } | null)?.employeeId === 'E2002',
    );
    expect(instances).toHaveLength(1);
  });

  it('takes over a claim whose starter died before saving the enrollment', async () => {
    const tables = createTableClientFactory(
      { connectionString: inject('azuriteConnectionString') },
      { tablePrefix: runtime.settings['APP_TABLE_PREFIX'] },
    );
    // What a crash between claiming the slot and saving the record leaves behind, ten minutes ago.
    await (
      await tables('Enrollments')
    ).createEntity({
      partitionKey: 'active',
      rowKey: encodeKey('E2004'),
      employeeId: 'E2004',
      enrollmentId: '11111111-1111-4111-8111-111111111111',
      requestFingerprint: 'f'.repeat(64),
      claimedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
    });
    const response = await runtime.api('/api/enrollments', { method: 'POST', json: request('E2004') });
    expect(response.status).toBe(202);
    expect(((await response.json()) as { id: string }).id).not.toBe('11111111-1111-4111-8111-111111111111');
  });

  describe('a device label whose holder is gone', () => {
    const labels = () =>
      createTableClientFactory(
        { connectionString: inject('azuriteConnectionString') },
        { tablePrefix: runtime.settings['APP_TABLE_PREFIX'] },
      )('AppPasswords');
    /** The label row `request(employeeId)` would hold, written as a given holder left it. */
    const leaveLabel = async (employeeId: string, holder: string, extra: Record<string, unknown> = {}) => {
      await (
        await labels()
      ).upsertEntity(
        {
          partitionKey: encodeKey(`${employeeId.toLowerCase()}@contoso.dk`),
          rowKey: `label-${encodeKey('outlook on laptop')}`,
          label: 'Outlook on laptop',
          enrollmentId: holder,
          requestFingerprint: 'f'.repeat(64),
          reservedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
          ...extra,
        },
        'Replace',
      );
    };

    it('is taken over from an enrollment that finished unrevealed before its last activity freed it', async () => {
      const first = await runtime.api('/api/enrollments', { method: 'POST', json: request('E2005') });
      const { id } = (await first.json()) as { id: string };
      await runtime.api(`/api/enrollments/${id}/cancel`, { method: 'POST' });
      // Once the instance has completed, its outcome activity has freed the label; put it back as it was before.
      await waitFor('the completed cancellation', async () =>
        (await runtime.taskHub.status(id, false))?.runtimeStatus === 'Completed' ? true : undefined,
      );
      await leaveLabel('E2005', id);
      const next = await runtime.api('/api/enrollments', { method: 'POST', json: request('E2005') });
      expect(next.status, await next.clone().text()).toBe(202);
    });

    it('is taken over from a start that died before its orchestration existed', async () => {
      await leaveLabel('E2006', '22222222-2222-4222-8222-222222222222');
      const response = await runtime.api('/api/enrollments', { method: 'POST', json: request('E2006') });
      expect(response.status, await response.clone().text()).toBe(202);
    });

    it('is never taken from an issued password whose instance history is gone', async () => {
      await leaveLabel('E2007', '33333333-3333-4333-8333-333333333333', {
        secretName: 'apppw-33333333-3333-4333-8333-333333333333',
        version: 'a'.repeat(32),
        issuedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
        hash: 'aGFzaA==',
      });
      const response = await runtime.api('/api/enrollments', { method: 'POST', json: request('E2007') });
      expect(response.status).toBe(409);
    });
  });

  it('lets a new enrollment start once the previous one has finished', async () => {
    const first = await runtime.api('/api/enrollments', { method: 'POST', json: request('E2003') });
    const { id } = (await first.json()) as { id: string };
    expect((await runtime.api(`/api/enrollments/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    await waitFor('the cancellation', async () => ((await statusOf(id)).stage === 'cancelled' ? true : undefined));
    const next = await runtime.api('/api/enrollments', { method: 'POST', json: request('E2003') });
    expect(next.status).toBe(202);
    expect(((await next.json()) as { id: string }).id).not.toBe(id);
  });
});

describe('status, events and cancel', () => {
  it('follows the verifications to ready, never showing a token, code or password', async () => {
    const started = await runtime.api('/api/enrollments', { method: 'POST', json: request('E3001') });
    const { id } = (await started.json()) as { id: string };
    expect((await reportMfa(runtime, id, 'e3001@contoso.dk')).status).toBe(202);
    await waitFor('MFA recorded', async () => ((await statusOf(id)).mfaRegistered ? true : undefined));
    expect(await statusOf(id)).toMatchObject({ stage: 'awaiting-verification', contactVerified: false });
    expect((await runtime.api(`/api/enrollments/${id}/events/contact-verified`, { method: 'POST' })).status).toBe(202);
    const ready = await waitFor('stage ready', async () => {
      const status = await statusOf(id);
      return status.stage === 'ready' ? status : undefined;
    });
    expect(ready).toMatchObject({ mfaRegistered: true, contactVerified: true });
    expect(Object.keys(ready).sort()).toEqual(
      [
        'contactVerified',
        'createdAt',
        'employeeId',
        'id',
        'invitationExpiresAt',
        'mfaRegistered',
        'retrievalExpiresAt',
        'stage',
        'updatedAt',
      ].sort(),
    );
    const readyMail = await waitFor('the ready mail', () =>
      runtime.mail.messages().find((m) => m.links.some((link) => link.includes('/r/'))),
    );
    const token = readyMail.links.find((link) => link.includes('/r/'))?.split('/r/')[1] ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(ready)).not.toContain(token);
  });

  it('cancels a waiting enrollment through the orchestration and refuses to cancel it twice', async () => {
    const started = await runtime.api('/api/enrollments', { method: 'POST', json: request('E3002') });
    const { id } = (await started.json()) as { id: string };
    const cancel = await runtime.api(`/api/enrollments/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    const cancelled = await waitFor('cancelled', async () => {
      const status = await statusOf(id);
      return status.stage === 'cancelled' ? status : undefined;
    });
    expect(cancelled.reason).toBe('cancelled-by-hr');
    const again = await runtime.api(`/api/enrollments/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    const late = await runtime.api(`/api/enrollments/${id}/events/mfa-registered`, { method: 'POST' });
    expect(late.status).toBe(409);
    // The outcome is recorded after the stage says cancelled, a poll or two later: the next tests count rows.
    await waitFor('the instance to complete', async () =>
      (await runtime.taskHub.status(id))?.runtimeStatus === 'Completed' ? true : undefined,
    );
  });

  it('answers 404 for an unknown enrollment on every route', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['GET', `/api/enrollments/${unknown}`],
      ['POST', `/api/enrollments/${unknown}/cancel`],
      ['POST', `/api/enrollments/${unknown}/events/contact-verified`],
    ] as const) {
      const response = await runtime.api(path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});

describe('bad requests get a problem document and change nothing', () => {
  const valid = request('E4001');
  const cases: {
    name: string;
    init: Parameters<TestRuntime['api']>[1];
    path?: string;
    status: number;
    mentions: string;
  }[] = [
    {
      name: 'missing employeeId',
      init: { json: { ...valid, employeeId: undefined } },
      status: 400,
      mentions: '/employeeId',
    },
    { name: 'missing contact', init: { json: { ...valid, contact: undefined } }, status: 400, mentions: '/contact' },
    {
      name: 'empty contact',
      init: { json: { ...valid, contact: {} } },
      status: 400,
      mentions: 'at least one of email or phone',
    },
    {
      name: 'bad invite email',
      init: { json: { ...valid, inviteEmail: 'anna@' } },
      status: 400,
      mentions: '/inviteEmail',
    },
    {
      name: 'bad UPN',
      init: { json: { ...valid, userPrincipalName: 'anna' } },
      status: 400,
      mentions: '/userPrincipalName',
    },
    { name: 'bad phone', init: { json: { ...valid, contact: { phone: '20123456' } } }, status: 400, mentions: 'E.164' },
    { name: 'unknown locale', init: { json: { ...valid, locale: 'sv' } }, status: 400, mentions: '/locale' },
    {
      name: 'unknown field',
      init: { json: { ...valid, manager: 'Bo' } },
      status: 400,
      mentions: '/manager: unknown field',
    },
    {
      name: 'unknown nested field',
      init: { json: { ...valid, contact: { email: 'a@b.dk', fax: '1' } } },
      status: 400,
      mentions: '/contact/fax',
    },
    {
      name: 'control characters',
      init: { json: { ...valid, displayName: 'Anna\u0000' } },
      status: 400,
      mentions: '/displayName',
    },
    {
      name: 'bad employee id',
      init: { json: { ...valid, employeeId: '../E1' } },
      status: 400,
      mentions: '/employeeId',
    },
    {
      // This runtime has no CALLBACK_SIGNING_SECRET: a callback it could not sign is refused, not silently dropped.
      name: 'callbackUrl without a signing secret',
      init: { json: { ...valid, callbackUrl: 'http://127.0.0.1:9/cb' } },
      status: 400,
      mentions: '/callbackUrl: HR callbacks are not enabled on this deployment',
    },
    {
      name: 'callbackUrl with user info',
      init: { json: { ...valid, callbackUrl: 'https://hr:pw@hr.example/cb' } },
      status: 400,
      mentions: '/callbackUrl: expected a URL without a user name or password',
    },
    { name: 'JSON array body', init: { json: [valid] }, status: 400, mentions: 'expected object' },
    {
      name: 'malformed JSON',
      init: { body: '{"employeeId": ', headers: { 'content-type': 'application/json' } },
      status: 400,
      mentions: 'not valid JSON',
    },
    {
      name: 'wrong content type',
      init: { body: JSON.stringify(valid), headers: { 'content-type': 'text/plain' } },
      status: 415,
      mentions: 'application/json',
    },
    {
      name: 'oversize body',
      init: { json: { ...valid, displayName: 'x'.repeat(20_000) } },
      status: 413,
      mentions: '16384 bytes',
    },
    { name: 'no function key', init: { json: valid, key: null }, status: 401, mentions: '' },
    { name: 'wrong function key', init: { json: valid, key: 'guess' }, status: 401, mentions: '' },
    {
      name: 'bad id in the path',
      path: '/api/enrollments/not-a-uuid/cancel',
      init: {},
      status: 400,
      mentions: '#/path/id',
    },
    {
      name: 'unknown event in the path',
      path: '/api/enrollments/00000000-0000-4000-8000-000000000000/events/hired',
      init: {},
      status: 400,
      mentions: '#/path/event',
    },
  ];

  it.each(cases)('$name → $status', async ({ init, path, status, mentions }) => {
    const rowsBefore = await runtime.countTableRows();
    const instancesBefore = (await runtime.taskHub.list()).length;
    const response = await runtime.api(path ?? '/api/enrollments', { method: 'POST', ...init });
    expect(response.status).toBe(status);
    if (status !== 401) {
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as { type: string; title: string; status: number; detail?: string };
      expect(problem.status).toBe(status);
      expect(problem.type).toMatch(/^urn:app-password-enrollment:problem:/);
      expect(`${problem.title}: ${problem.detail ?? ''}`).toContain(mentions);
    }
    expect(await runtime.countTableRows()).toBe(rowsBefore);
    expect((await runtime.taskHub.list()).length).toBe(instancesBefore);
  });

  it('lists every field problem at once, each with a JSON pointer', async () => {
    const response = await runtime.api('/api/enrollments', {
      method: 'POST',
      json: { ...valid, inviteEmail: 'nope', locale: 'fr', extra: 1 },
    });
    const problem = (await response.json()) as { errors: { pointer: string; detail: string }[] };
    expect(problem.errors.map((error) => error.pointer).sort()).toEqual(['/extra', '/inviteEmail', '/locale']);
  });
});
