import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmployeeAgent, codeFrom, csrfOf, revealedPassword } from '../helpers/employeeBrowser.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

/** Brings one enrollment to `ready` with a verified browser session, the way an employee would. */
async function readyWithSession(round: number): Promise<{ id: string; agent: EmployeeAgent; revealPath: string }> {
  const invite = `race${round}@example.com`;
  const response = await runtime.api('/api/enrollments', {
    method: 'POST',
    json: {
      employeeId: `R${round}`,
      userPrincipalName: `race${round}@contoso.dk`,
      displayName: 'Race',
      inviteEmail: invite,
      contact: { email: `race${round}.contact@example.com` },
      locale: 'en',
    },
  });
  const { id } = (await response.json()) as { id: string };
  await runtime.api(`/api/enrollments/${id}/events/mfa-registered`, { method: 'POST' });
  const enrollLink = await waitFor(
    'invitation',
    () => runtime.mail.messages().find((m) => m.to.includes(invite))?.links[0],
  );
  const enrollPath = new URL(enrollLink).pathname;
  const agent = new EmployeeAgent(runtime.url);
  const csrf = csrfOf((await agent.get(enrollPath)).html);
  await agent.submit(`${enrollPath}/contact/send`, { csrf, channel: 'email' });
  const codeMail = await waitFor('code', () =>
    runtime.mail.messages().find((m) => m.to.includes(`race${round}.contact@example.com`)),
  );
  await agent.submit(`${enrollPath}/contact/verify`, { csrf, code: codeFrom(codeMail.text) });
  const revealLink = await waitFor('ready link', () =>
    runtime.mail
      .messages()
      .filter((m) => m.to.includes(invite))
      .flatMap((m) => m.links)
      .find((link) => link.includes('/r/')),
  );
  await waitFor('ready', async () => {
    const status = (await (await runtime.api(`/api/enrollments/${id}`)).json()) as { stage: string };
    return status.stage === 'ready' ? true : undefined;
  });
  return { id, agent, revealPath: new URL(revealLink).pathname };
}

describe('one reveal under concurrency', () => {
  it('gives the password to exactly one of 100 concurrent reveals, 20 times, reading the vault once each', async () => {
    for (let round = 0; round < 20; round += 1) {
      const { id, agent, revealPath } = await readyWithSession(round);
      const csrf = csrfOf((await agent.get(revealPath)).html);
      const vaultReadsBefore = runtime.vault.requests.filter((r) => r.method === 'GET' && r.path.includes(id)).length;
      const results = await Promise.all(
        Array.from({ length: 100 }, () => agent.submit(`${revealPath}/reveal`, { csrf })),
      );
      const successes = results.filter(
        (result) => result.status === 200 && revealedPassword(result.html) !== undefined,
      );
      expect(successes, `round ${round}`).toHaveLength(1);
      expect(
        results.filter((result) => result.status === 410),
        `round ${round}`,
      ).toHaveLength(99);
      const vaultReads = runtime.vault.requests.filter((r) => r.method === 'GET' && r.path.includes(id)).length;
      expect(vaultReads - vaultReadsBefore, `vault reads in round ${round}`).toBe(1);
    }
  }, 120_000);
});
