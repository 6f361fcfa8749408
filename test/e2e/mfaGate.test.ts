import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityNames } from '../../core/orchestrationContract.js';
import { appPasswordSecretName } from '../../functions/handlers/activities.js';
import { EmployeeAgent, csrfOf } from '../helpers/employeeBrowser.js';
import { startRequestFor, untilStage } from '../helpers/enrollmentJourney.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * The MFA gate through the local runtime: HR cannot assert MFA the directory does not show, and the mint asks the
 * directory again, sending the enrollment back to wait for MFA (step 1 open on the page) rather than failing it.
 */

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

async function started(employeeId: string): Promise<{ id: string; upn: string; invite: string }> {
  const body = startRequestFor(employeeId);
  const response = await runtime.api('/api/enrollments', { method: 'POST', json: body });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  return { id, upn: String(body['userPrincipalName']), invite: String(body['inviteEmail']) };
}

const raise = (id: string, event: 'mfa-registered' | 'contact-verified') =>
  runtime.api(`/api/enrollments/${id}/events/${event}`, { method: 'POST' });

async function status(id: string): Promise<{ stage: string; mfaRegistered: boolean; contactVerified: boolean }> {
  return (await (await runtime.api(`/api/enrollments/${id}`)).json()) as {
    stage: string;
    mfaRegistered: boolean;
    contactVerified: boolean;
  };
}

/** The names of the activities the orchestration has scheduled so far, from its history. */
async function scheduled(id: string): Promise<string[]> {
  const history = (await runtime.taskHub.status(id, true))?.historyEvents ?? [];
  return history.flatMap((event) => (event.EventType === 4 && event.Name !== undefined ? [event.Name] : []));
}

const vaultWritesFor = (id: string) =>
  runtime.vault.requests.filter((r) => r.method === 'PUT' && r.path.includes(appPasswordSecretName(id))).length;

describe('the MFA gate', () => {
  it('refuses HR’s MFA event while the directory says no; never issuing until it says yes and the event comes again', async () => {
    const { id, upn } = await started('M1');
    expect((await raise(id, 'contact-verified')).status).toBe(202);
    await waitFor('the contact verified', async () => ((await status(id)).contactVerified ? true : undefined));

    const refused = await raise(id, 'mfa-registered');
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(((await refused.json()) as { detail: string }).detail).toContain('no MFA method registered');
    // The event never reached the orchestration: nothing was minted, and it still waits for MFA.
    expect(await status(id)).toMatchObject({ stage: 'awaiting-verification', mfaRegistered: false });
    expect(await scheduled(id)).not.toContain(activityNames.mintAppPassword);
    const history = (await runtime.taskHub.status(id, true))?.historyEvents ?? [];
    expect(history.filter((event) => event.Name === 'MfaRegistered')).toEqual([]);

    runtime.directory.setMfaRegistered(upn, true);
    expect((await raise(id, 'mfa-registered')).status).toBe(202);
    await untilStage(runtime, id, 'ready');
    expect(vaultWritesFor(id)).toBe(1);
  });

  it('sends the enrollment back to wait for MFA when the directory no longer shows it at the mint; step 1 opens again', async () => {
    const { id, upn, invite } = await started('M2');
    runtime.directory.setMfaRegistered(upn, true);
    const link = await waitFor(
      'invitation',
      () => runtime.mail.messages().find((message) => message.to.includes(invite))?.links[0],
    );
    const path = new URL(link).pathname;
    const employee = new EmployeeAgent(runtime.url);
    const csrf = csrfOf((await employee.get(path)).html);
    expect((await employee.submit(`${path}/mfa`, { csrf })).status).toBe(303);
    await waitFor('MFA confirmed', async () => ((await status(id)).mfaRegistered ? true : undefined));

    // MFA is reset in the directory before the mint runs.
    runtime.directory.setMfaRegistered(upn, false);
    expect((await raise(id, 'contact-verified')).status).toBe(202);
    await waitFor('the mint to defer', async () =>
      (await scheduled(id)).includes(activityNames.mintAppPassword) && !(await status(id)).mfaRegistered
        ? true
        : undefined,
    );
    expect(await status(id)).toMatchObject({
      stage: 'awaiting-verification',
      mfaRegistered: false,
      contactVerified: true,
    });
    expect(vaultWritesFor(id)).toBe(0);
    const page = await employee.get(path);
    expect(page.html).toContain(`action="${path}/mfa"`);

    // "I have set it up" while the directory still says no changes nothing; once it says yes, the password comes.
    expect((await employee.submit(`${path}/mfa`, { csrf })).status).toBe(200);
    runtime.directory.setMfaRegistered(upn, true);
    expect((await employee.submit(`${path}/mfa`, { csrf })).status).toBe(303);
    await untilStage(runtime, id, 'ready');
    expect(vaultWritesFor(id)).toBe(1);
  });
});
