import { expect } from 'vitest';
import { EmployeeAgent, codeFrom, csrfOf, revealedPassword } from './employeeBrowser.js';
import type { TestRuntime } from './testRuntime.js';
import { waitFor } from './waitFor.js';

/**
 * An identity system reporting MFA the way the HR route accepts it: the directory shows a method first (the route
 * asks it), then the event.
 */
export function reportMfa(
  runtime: Pick<TestRuntime, 'api' | 'directory'>,
  id: string,
  userPrincipalName: string,
): Promise<Response> {
  runtime.directory.setMfaRegistered(userPrincipalName, true);
  return runtime.api(`/api/enrollments/${id}/events/mfa-registered`, { method: 'POST' });
}

/** Where the employee's verified contact is: an e-mail address, or a phone that gets texts. */
export type Contact = { readonly email: string } | { readonly phone: string };

export interface ReadyEnrollment {
  readonly id: string;
  readonly upn: string;
  readonly invite: string;
  readonly contact: Contact;
  /** The employee's browser, with the session cookie from verifying the contact. */
  readonly agent: EmployeeAgent;
  readonly revealPath: string;
}

export interface RevealedEnrollment extends ReadyEnrollment {
  readonly password: string;
}

let counter = 0;

export async function stageOf(runtime: TestRuntime, id: string): Promise<string> {
  return ((await (await runtime.api(`/api/enrollments/${id}`)).json()) as { stage: string }).stage;
}

export function untilStage(runtime: TestRuntime, id: string, stage: string): Promise<true> {
  return waitFor(`stage ${stage}`, async () => ((await stageOf(runtime, id)) === stage ? true : undefined));
}

function messagesTo(runtime: TestRuntime, contact: Contact): string[] {
  return 'email' in contact
    ? runtime.mail
        .messages()
        .filter((m) => m.to.includes(contact.email))
        .map((m) => m.text)
    : runtime.sms
        .messages()
        .filter((m) => m.to === contact.phone)
        .map((m) => m.text);
}

/** The text of the message to `contact` after the first `skip` ones, by mail or SMS. */
function nextMessageTo(runtime: TestRuntime, contact: Contact, skip: number): Promise<string> {
  return waitFor('a message to the contact', () => messagesTo(runtime, contact)[skip]);
}

/**
 * Brings one new employee to `ready` the way they would: HR starts, the identity system reports MFA, the employee
 * verifies the contact (a private address, or `phone` by SMS) with the code sent there. `extra` adds or overrides
 * request fields.
 */
export async function readyWithSession(
  runtime: TestRuntime,
  extra: Record<string, unknown> = {},
  { phone }: { phone?: string } = {},
): Promise<ReadyEnrollment> {
  counter += 1;
  const unique = `${counter}${Date.now().toString(36)}`;
  const upn = `emp${unique}@contoso.dk`;
  const invite = `emp${unique}@example.com`;
  const contact: Contact = phone === undefined ? { email: `emp${unique}.contact@example.com` } : { phone };
  const response = await runtime.api('/api/enrollments', {
    method: 'POST',
    json: {
      employeeId: `E${unique}`,
      userPrincipalName: upn,
      displayName: 'Pia Winther',
      inviteEmail: invite,
      contact,
      locale: 'en',
      ...extra,
    },
  });
  expect(response.status, await response.clone().text()).toBe(202);
  const { id } = (await response.json()) as { id: string };
  expect((await reportMfa(runtime, id, upn)).status).toBe(202);
  const enrollLink = await waitFor(
    'invitation',
    () => runtime.mail.messages().find((m) => m.to.includes(invite))?.links[0],
  );
  const enrollPath = new URL(enrollLink).pathname;
  const agent = new EmployeeAgent(runtime.url);
  const csrf = csrfOf((await agent.get(enrollPath)).html);
  const sent = messagesTo(runtime, contact).length;
  await agent.submit(`${enrollPath}/contact/send`, { csrf, channel: 'email' in contact ? 'email' : 'sms' });
  const code = codeFrom(await nextMessageTo(runtime, contact, sent));
  await agent.submit(`${enrollPath}/contact/verify`, { csrf, code });
  const revealLink = await waitFor('ready link', () =>
    runtime.mail
      .messages()
      .filter((m) => m.to.includes(invite))
      .flatMap((m) => m.links)
      .find((link) => link.includes('/r/')),
  );
  await untilStage(runtime, id, 'ready');
  return { id, upn, invite, contact, agent, revealPath: new URL(revealLink).pathname };
}

/** The whole journey, ending with the one reveal. */
export async function revealedEnrollment(
  runtime: TestRuntime,
  extra: Record<string, unknown> = {},
  options: { phone?: string } = {},
): Promise<RevealedEnrollment> {
  const ready = await readyWithSession(runtime, extra, options);
  const { agent, revealPath } = ready;
  const page = await agent.submit(`${revealPath}/reveal`, { csrf: csrfOf((await agent.get(revealPath)).html) });
  const password = revealedPassword(page.html);
  if (password === undefined) throw new Error(`no password on the reveal page (status ${page.status})`);
  await untilStage(runtime, ready.id, 'revealed');
  return { ...ready, password };
}

/** Reveals behind a ready link without a session, proving presence with a fresh code to the verified contact. */
export async function revealWithCode(runtime: TestRuntime, revealLink: string, contact: Contact): Promise<string> {
  const path = new URL(revealLink).pathname;
  const agent = new EmployeeAgent(runtime.url);
  const csrf = csrfOf((await agent.get(path)).html);
  const before = messagesTo(runtime, contact).length;
  await agent.submit(`${path}/code`, { csrf });
  const code = codeFrom(await nextMessageTo(runtime, contact, before));
  const page = await agent.submit(`${path}/reveal`, { csrf, code });
  const password = revealedPassword(page.html);
  if (password === undefined) throw new Error(`no password on the reveal page (status ${page.status})`);
  return password;
}

/** The raw tokens of every /e/ and /r/ link mailed so far: what a secret scan must not find anywhere else. */
export function mailedLinkTokens(runtime: Pick<TestRuntime, 'mail'>): string[] {
  return runtime.mail
    .messages()
    .flatMap((message) => message.links)
    .map((link) => /\/[er]\/([A-Za-z0-9_-]{43})$/.exec(link)?.[1])
    .filter((token): token is string => token !== undefined);
}

/** A valid start request for `employeeId`, every address derived from it so tests can find their own mail. */
export function startRequestFor(employeeId: string): Record<string, unknown> {
  const name = employeeId.toLowerCase();
  return {
    employeeId,
    userPrincipalName: `${name}@contoso.dk`,
    displayName: 'Anna Jensen',
    inviteEmail: `${name}@example.com`,
    contact: { email: `${name}.private@example.com` },
    locale: 'en',
  };
}
