import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codePolicy } from '../../core/oneTimeCode.js';
import { EmployeeAgent, codeFrom, csrfOf } from '../helpers/employeeBrowser.js';
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
): Promise<{ agent: EmployeeAgent; path: string; csrf: string; contact: string }> {
  const contact = `${tag}.contact@example.com`;
  await runtime.api('/api/enrollments', {
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
  return { agent, path, csrf: csrfOf((await agent.get(path)).html), contact };
}

const codesTo = (contact: string) => runtime.mail.messages().filter((message) => message.to.includes(contact));

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
