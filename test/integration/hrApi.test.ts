import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrollmentStatusBody } from '../../functions/handlers/hrApi.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

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
