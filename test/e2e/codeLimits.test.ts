import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTableAuditLog } from '../../adapters/tables/auditLog.js';
import { createTableClientFactory } from '../../adapters/tables/tableClients.js';
import { codePolicy } from '../../core/oneTimeCode.js';
import { fetchFrom } from '../helpers/clientAddress.js';
import { EmployeeAgent, codeFrom, csrfOf, revealedPassword } from '../helpers/employeeBrowser.js';
import { readyWithSession } from '../helpers/enrollmentJourney.js';
import { startTestRuntime, type TestRuntime } from '../helpers/testRuntime.js';
import { waitFor } from '../helpers/waitFor.js';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

async function enrollmentPage(
  tag: string,
): Promise<{ id: string; agent: EmployeeAgent; path: string; csrf: string; contact: string }> {
  const contact = `${tag}.contact@example.com`;
  const started = await runtime.api('/api/enrollments', {
    method: 'POST',
    json: {
      employeeId: tag,
      userPrincipalName: `${tag}@contoso.dk`,
      displayName: 'Coda',
      inviteEmail: `${tag}@example.com`,
      contact: { email: contact },
      locale: 'en',
    },
  });
  const link = await waitFor(
    'invitation',
    () => runtime.mail.messages().find((message) => message.to.includes(`${tag}@example.com`))?.links[0],
  );
  const agent = new EmployeeAgent(runtime.url);
  const path = new URL(link).pathname;
  const { id } = (await started.json()) as { id: string };
  return { id, agent, path, csrf: csrfOf((await agent.get(path)).html), contact };
}

const codesTo = (contact: string) => runtime.mail.messages().filter((message) => message.to.includes(contact));

/** Guesses sent at once, each from its own client address so the per-client link limit never stands in the way. */
const burst = 40;
const rightAt = 30;
const senders = Array.from({ length: burst }, (_, index) => fetchFrom(`127.0.3.${index + 1}`));

/** The code comparisons made for one enrollment and purpose, from the audit trail: one entry per comparison. */
async function comparisons(enrollmentId: string, purpose: string): Promise<{ wrong: number; accepted: number[] }> {
  const tables = createTableClientFactory(
    { connectionString: inject('azuriteConnectionString') },
    { tablePrefix: runtime.settings['APP_TABLE_PREFIX'] },
  );
  const entries = await createTableAuditLog(tables).list(enrollmentId);
  const attempt = (detail?: string) => Number(/attempt (\d+)/.exec(detail ?? '')?.[1]);
  return {
    wrong: entries.filter((entry) => entry.action === `code-wrong:${purpose}`).length,
    accepted: entries.filter((entry) => entry.action === `code-accepted:${purpose}`).map((e) => attempt(e.detail)),
  };
}

/** The statuses of `burst` concurrent posts, the right code at `rightAt`, the rest wrong. */
async function guessAtOnce(
  agent: EmployeeAgent,
  path: string,
  fields: Record<string, string>,
  code: string,
): Promise<{ statuses: number[]; right: { status: number; html: string } }> {
  const wrong = code === '000000' ? '111111' : '000000';
  const results = await Promise.all(
    senders.map((send, index) => agent.via(send).submit(path, { ...fields, code: index === rightAt ? code : wrong })),
  );
  const right = results[rightAt];
  if (right === undefined) throw new Error('no answer for the right code');
  return { statuses: results.map((result) => result.status), right };
}

describe('one-time code limits', () => {
  it(`locks a code after ${codePolicy.maxAttempts} wrong attempts: the right code is then refused too`, async () => {
    const { agent, path, csrf, contact } = await enrollmentPage('C1');
    await agent.submit(`${path}/contact/send`, { csrf, channel: 'email' });
    const code = codeFrom((await waitFor('code', () => codesTo(contact)[0])).text);
    const wrong = code === '000000' ? '111111' : '000000';
    const statuses: number[] = [];
    for (let attempt = 0; attempt < codePolicy.maxAttempts; attempt += 1) {
      statuses.push((await agent.submit(`${path}/contact/verify`, { csrf, code: wrong })).status);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 429]);
    const right = await agent.submit(`${path}/contact/verify`, { csrf, code });
    expect(right.status).toBe(429);
    expect(right.headers.getSetCookie()).toEqual([]);
  });

  it(`compares at most ${codePolicy.maxAttempts} of ${burst} concurrent guesses at a contact code, 8 times`, async () => {
    let wins = 0;
    for (let trial = 0; trial < 8; trial += 1) {
      const { id, agent, path, csrf, contact } = await enrollmentPage(`CB${trial}`);
      await agent.submit(`${path}/contact/send`, { csrf, channel: 'email' });
      const code = codeFrom((await waitFor('code', () => codesTo(contact)[0])).text);
      const { statuses, right } = await guessAtOnce(agent, `${path}/contact/verify`, { csrf }, code);
      expect(
        statuses.filter((status) => status >= 500),
        `trial ${trial}`,
      ).toEqual([]);
      const made = await comparisons(id, 'contact');
      expect(made.wrong + made.accepted.length, `comparisons in trial ${trial}`).toBeLessThanOrEqual(
        codePolicy.maxAttempts,
      );
      // The right code won only by holding one of the attempts: its own attempt number is within the limit.
      if (right.status === 303) {
        wins += 1;
        expect(made.accepted).toHaveLength(1);
        expect(made.accepted[0]).toBeLessThanOrEqual(codePolicy.maxAttempts);
      } else {
        expect(made.accepted).toEqual([]);
      }
      process.stderr.write(
        `contact code burst ${trial}: ${made.wrong + made.accepted.length} compared, ` +
          `${statuses.filter((s) => s === 429).length} × 429, right code ${right.status}\n`,
      );
    }
    process.stderr.write(`contact code bursts: the right code won ${wins} of 8\n`);
  }, 120_000);

  it(`compares at most ${codePolicy.maxAttempts} of ${burst} concurrent guesses at a reveal code`, async () => {
    const { id, revealPath, contact } = await readyWithSession(runtime);
    // Someone with the ready link but no session: the reveal needs a fresh code.
    const stranger = new EmployeeAgent(runtime.url);
    const csrf = csrfOf((await stranger.get(revealPath)).html);
    const address = 'email' in contact ? contact.email : '';
    const before = codesTo(address).length;
    await stranger.submit(`${revealPath}/code`, { csrf });
    const code = codeFrom((await waitFor('reveal code', () => codesTo(address)[before])).text);
    const { statuses, right } = await guessAtOnce(stranger, `${revealPath}/reveal`, { csrf }, code);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    // A wrong guess is audited before its answer; the right one after it, with the reveal it opened.
    const made =
      right.status === 200
        ? await waitFor('the right code in the audit trail', async () => {
            const audited = await comparisons(id, 'reveal');
            return audited.accepted.length > 0 ? audited : undefined;
          })
        : await comparisons(id, 'reveal');
    expect(made.wrong + made.accepted.length).toBeLessThanOrEqual(codePolicy.maxAttempts);
    if (right.status === 200) {
      expect(revealedPassword(right.html)).toBeDefined();
      expect(made.accepted).toHaveLength(1);
      expect(made.accepted[0]).toBeLessThanOrEqual(codePolicy.maxAttempts);
    } else {
      expect(made.accepted).toEqual([]);
    }
    process.stderr.write(
      `reveal code burst: ${made.wrong + made.accepted.length} compared, right code ${right.status}\n`,
    );
  }, 60_000);

  it(`sends at most ${codePolicy.maxSendsPerWindow} codes per window`, async () => {
    const { agent, path, csrf, contact } = await enrollmentPage('C2');
    const statuses: number[] = [];
    for (let send = 0; send <= codePolicy.maxSendsPerWindow; send += 1) {
      statuses.push((await agent.submit(`${path}/contact/send`, { csrf, channel: 'email' })).status);
    }
    expect(statuses).toEqual([303, 303, 303, 429]);
    await waitFor('three codes', () => (codesTo(contact).length === codePolicy.maxSendsPerWindow ? true : undefined));
    expect(codesTo(contact)).toHaveLength(codePolicy.maxSendsPerWindow);
  });

  it('accepts only the newest code after a resend', async () => {
    const { agent, path, csrf, contact } = await enrollmentPage('C3');
    await agent.submit(`${path}/contact/send`, { csrf, channel: 'email' });
    const first = codeFrom((await waitFor('first code', () => codesTo(contact)[0])).text);
    await agent.submit(`${path}/contact/send`, { csrf, channel: 'email' });
    const second = codeFrom((await waitFor('second code', () => codesTo(contact)[1])).text);
    if (first !== second) {
      expect((await agent.submit(`${path}/contact/verify`, { csrf, code: first })).status).toBe(400);
    }
    expect((await agent.submit(`${path}/contact/verify`, { csrf, code: second })).status).toBe(303);
  });
});
