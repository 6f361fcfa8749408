import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyVaultLimits } from '../../core/keyVaultLimits.js';
import { appPasswordSecretName } from '../../functions/handlers/activities.js';
import { codeFrom, csrfOf, EmployeeAgent, revealedPassword } from '../helpers/employeeBrowser.js';
import { stageOf, startRequestFor } from '../helpers/enrollmentJourney.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

/*
 * Crowds of enrollments against a local vault whose limits are set low (two secret writes and four other operations a
 * second, in 2-second windows), through the local runtime: throttling is a wait, never a failure. The app's own pacing
 * stays at Key Vault's defaults, far above these limits, so it is the vault's 429s that the app has to live with.
 */

const limits: KeyVaultLimits = { secretWrites: 4, otherOperations: 8, windowMs: 2_000 };
const unsettled = new Set(['invited', 'awaiting-verification', 'issuing']);

let runtime: TestRuntime;
let batch = 0;

beforeAll(async () => {
  runtime = await startTestRuntime({ KEYVAULT_THROTTLE_SPREAD: 'PT1S' }, { vaultLimits: limits });
});

afterAll(async () => {
  await runtime.stop();
});

interface Person {
  readonly id: string;
  readonly inviteEmail: string;
  readonly contactEmail: string;
}

/** Starts `count` enrollments through the HR API, all at once, with MFA registered in the directory. */
async function started(count: number): Promise<Person[]> {
  batch += 1;
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const request = startRequestFor(`V${batch}x${index}`) as {
        userPrincipalName: string;
        inviteEmail: string;
        contact: { email: string };
      };
      runtime.directory.setMfaRegistered(request.userPrincipalName, true);
      const response = await runtime.api('/api/enrollments', { method: 'POST', json: request });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      return { id, inviteEmail: request.inviteEmail, contactEmail: request.contact.email };
    }),
  );
}

/** HR reports MFA and the verified contact for everyone at once: the whole crowd reaches `issuing` together. */
async function verifiedTogether(people: readonly Person[]): Promise<void> {
  await Promise.all(
    people.map(async ({ id }) => {
      for (const event of ['mfa-registered', 'contact-verified']) {
        const response = await runtime.api(`/api/enrollments/${id}/events/${event}`, { method: 'POST' });
        expect(response.status).toBe(202);
      }
    }),
  );
}

async function settledStages(people: readonly Person[]): Promise<string[]> {
  return waitFor(
    'every enrollment past issuing',
    async () => {
      const stages = await Promise.all(people.map(({ id }) => stageOf(runtime, id)));
      return stages.some((stage) => unsettled.has(stage)) ? undefined : stages;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
}

async function readyCrowd(count: number): Promise<Person[]> {
  const people = await started(count);
  await verifiedTogether(people);
  expect(await settledStages(people)).toEqual(new Array<string>(count).fill('ready'));
  return people;
}

describe('at the vault’s service limits', () => {
  it('mints a crowd that reaches issuing together at the vault’s rate, and none fails', async () => {
    const before = runtime.vault.usage();

    const people = await readyCrowd(16);

    const after = runtime.vault.usage();
    // One accepted write per enrollment, never more in any window than the vault allows.
    expect(after.secretWriteTimes.length - before.secretWriteTimes.length).toBe(16);
    expect(after.busiestSecretWriteWindow).toBeLessThanOrEqual(limits.secretWrites);
    // The limit was reached, so the mints above did wait on it.
    expect(after.throttled.secretWrites - before.throttled.secretWrites).toBeGreaterThan(0);
    const written = new Set(
      runtime.vault.requests
        .filter((request) => request.method === 'PUT' && request.status === 200)
        .map((request) => request.path),
    );
    for (const { id } of people) expect(written).toContain(`/secrets/${appPasswordSecretName(id)}`);
  }, 120_000);

  it('shows every employee of a crowd revealing at once their password, though the vault throttles the reads', async () => {
    const people = (await readyCrowd(12)).map((person) => ({
      ...person,
      agent: new EmployeeAgent(runtime.url),
      path: '',
      csrf: '',
      code: '',
    }));
    for (const person of people) {
      const link = runtime.mail
        .messages()
        .filter((message) => message.to.includes(person.inviteEmail))
        .flatMap((message) => message.links)
        .find((candidate) => candidate.includes('/r/'));
      person.path = new URL(link ?? '').pathname;
      person.csrf = csrfOf((await person.agent.get(person.path)).html);
      await person.agent.submit(`${person.path}/code`, { csrf: person.csrf });
      person.code = codeFrom(
        await waitFor(
          'the reveal code',
          () =>
            runtime.mail
              .messages()
              .filter((message) => message.to.includes(person.contactEmail))
              .at(-1)?.text,
        ),
      );
    }
    const throttledBefore = runtime.vault.usage().throttled.otherOperations;

    const pages = await Promise.all(
      people.map(({ agent, path, csrf, code }) => agent.submit(`${path}/reveal`, { csrf, code })),
    );

    for (const page of pages) expect(revealedPassword(page.html)).toMatch(/^[a-z]{16}$/);
    expect(runtime.vault.usage().throttled.otherOperations).toBeGreaterThan(throttledBefore);
  }, 120_000);

  it('disables every password of a crowd cancelled at once, though the vault throttles the disables', async () => {
    const people = await readyCrowd(12);
    const throttledBefore = runtime.vault.usage().throttled.otherOperations;

    await Promise.all(
      people.map(async ({ id }) => {
        expect((await runtime.api(`/api/enrollments/${id}/cancel`, { method: 'POST' })).status).toBe(202);
      }),
    );

    const outcomes = await waitFor(
      'every enrollment cancelled',
      async () => {
        const bodies = await Promise.all(
          people.map(async ({ id }) => (await (await runtime.api(`/api/enrollments/${id}`)).json()) as object),
        );
        return bodies.every((body) => (body as { stage: string }).stage !== 'ready') ? bodies : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    for (const outcome of outcomes) expect(outcome).toMatchObject({ stage: 'cancelled', reason: 'cancelled-by-hr' });
    const disabled = runtime.vault.requests.filter((request) => request.method === 'PATCH' && request.status === 200);
    for (const { id } of people) {
      expect(disabled.some((request) => request.path.startsWith(`/secrets/${appPasswordSecretName(id)}/`))).toBe(true);
    }
    expect(runtime.vault.usage().throttled.otherOperations).toBeGreaterThan(throttledBefore);
  }, 120_000);
});
