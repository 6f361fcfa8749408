import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrollmentStatusBody } from '../../core/hrApiSchemas.js';
import { EmployeeAgent } from '../helpers/employeeBrowser.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

let runtime: TestRuntime;

beforeAll(async () => {
  // Deadlines shortened to seconds: ISO 8601 settings, exactly as ops would set days.
  runtime = await startTestRuntime({ INVITATION_VALID_FOR: 'PT3S', REMINDER_INTERVAL: 'PT1S', MAX_REMINDERS: '1' });
});

afterAll(async () => {
  await runtime.stop();
});

async function start(employeeId: string, inviteEmail: string): Promise<string> {
  const response = await runtime.api('/api/enrollments', {
    method: 'POST',
    json: {
      employeeId,
      userPrincipalName: `${employeeId.toLowerCase()}@contoso.dk`,
      displayName: 'Tina Timer',
      inviteEmail,
      contact: { email: inviteEmail },
      locale: 'en',
    },
  });
  return ((await response.json()) as { id: string }).id;
}

const statusOf = async (id: string) =>
  (await (await runtime.api(`/api/enrollments/${id}`)).json()) as EnrollmentStatusBody;

describe('deadlines and cancellation over HTTP', () => {
  it('reminds once, then expires without minting, and the link says so', async () => {
    const id = await start('E6001', 'tina@example.com');
    const expired = await waitFor(
      'expired',
      async () => {
        const status = await statusOf(id);
        return status.stage === 'expired' ? status : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(expired.reason).toBe('verification-deadline');
    const subjects = runtime.mail
      .messages()
      .filter((message) => message.to.includes('tina@example.com'))
      .map((message) => message.subject);
    expect(subjects).toEqual([
      'Set up your work sign-in',
      'Reminder: finish setting up your work sign-in',
      'Your set-up link has expired',
    ]);
    expect(runtime.vault.requests.filter((request) => request.method === 'PUT')).toHaveLength(0);
    const link = runtime.mail.messages().find((message) => message.to.includes('tina@example.com'))?.links[0] ?? '';
    const page = await new EmployeeAgent(runtime.url).get(new URL(link).pathname);
    expect(page.status).toBe(410);
    expect(page.html).toContain('This link has expired');
  });

  it('cancels while waiting, and the employee link then shows a cancelled page', async () => {
    const id = await start('E6002', 'carl@example.com');
    const link = await waitFor(
      'the invitation',
      () => runtime.mail.messages().find((message) => message.to.includes('carl@example.com'))?.links[0],
    );
    expect((await runtime.api(`/api/enrollments/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    await waitFor('cancelled', async () => ((await statusOf(id)).stage === 'cancelled' ? true : undefined));
    const page = await new EmployeeAgent(runtime.url).get(new URL(link).pathname);
    expect(page.status).toBe(410);
    expect(page.html).toContain('Set-up cancelled');
  });
});
