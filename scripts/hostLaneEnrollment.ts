import { parseArgs } from 'node:util';
import { EmployeeAgent, codeFrom, csrfOf, revealedPassword } from '../test/helpers/employeeBrowser.js';
import { waitFor } from '../test/helpers/waitFor.js';

/*
 * Drives one whole enrollment over HTTP against a running app, as the people and systems around it would: HR starts
 * it; the employee registers MFA (in the directory stand-in, which the app may check) and the identity system reports
 * it; HR reports the contact verified; once the enrollment is ready, the employee opens the ready link and reveals the
 * password the way a browser does (the page, its CSRF token, a code mailed to the verified contact), and a relying
 * service verifies the password. The CI host lane (.github/workflows/host-lane.yml) runs it against `func start`;
 * test/infra/hostLane.test.ts runs it against the local runtime.
 *
 *   node dist/scripts/hostLaneEnrollment.js --app <url> [--control <url>] [--key <HR key>] [--verify-key <key>]
 *                                           [--timeout-seconds 180]
 *
 * --control is where GET /_dev/api/outbox and PUT /_dev/api/directory/{upn}/mfa answer: scripts/localStandIns.ts next
 * to `func start`, the app itself (its dev console) in the local runtime; default --app. --key is HR's function key
 * and --verify-key the relying services' (default --key); `func start` does not check keys. Each step prints a line;
 * a failure exits 1 naming the step. The password itself is never printed.
 */

interface Options {
  readonly app: string;
  readonly control: string;
  readonly key: string;
  readonly verifyKey: string;
  readonly timeoutMs: number;
}

interface OutboxMessage {
  readonly to: readonly string[];
  readonly text: string;
  readonly links: readonly string[];
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      app: { type: 'string' },
      control: { type: 'string' },
      key: { type: 'string', default: '' },
      'verify-key': { type: 'string' },
      'timeout-seconds': { type: 'string', default: '180' },
    },
    strict: true,
  });
  if (values.app === undefined) throw new Error('--app <url of the running app> is required');
  const seconds = Number(values['timeout-seconds']);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--timeout-seconds must be a positive number');
  const trim = (url: string) => url.replace(/\/+$/, '');
  return {
    app: trim(values.app),
    control: trim(values.control ?? values.app),
    key: values.key,
    verifyKey: values['verify-key'] ?? values.key,
    timeoutMs: seconds * 1000,
  };
}

/** Runs one step, printing its name and how long it took; a failure carries the step's name. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`host lane: ${name} … `);
  try {
    const result = await run();
    process.stdout.write(`ok (${String(Date.now() - started)} ms)\n`);
    return result;
  } catch (error) {
    process.stdout.write('failed\n');
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** A request's answer, refused unless its status is one of `expected`. */
async function expectStatus(response: Response, expected: readonly number[], what: string): Promise<Response> {
  if (!expected.includes(response.status)) {
    throw new Error(`${what} answered ${String(response.status)}: ${(await response.text()).slice(0, 500)}`);
  }
  return response;
}

async function drive(options: Options): Promise<void> {
  const api = (path: string, init: { method?: string; json?: unknown; key?: string } = {}) =>
    fetch(`${options.app}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        'x-functions-key': init.key ?? options.key,
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
  const patiently = { timeoutMs: options.timeoutMs, intervalMs: 250 };
  const outbox = async () => {
    const response = await expectStatus(await fetch(`${options.control}/_dev/api/outbox`), [200], 'the outbox');
    return ((await response.json()) as { messages: OutboxMessage[] }).messages;
  };
  const messagesTo = async (address: string) => (await outbox()).filter((message) => message.to.includes(address));
  const stage = async (id: string) => {
    const response = await expectStatus(await api(`/api/enrollments/${id}`), [200], 'the status API');
    return ((await response.json()) as { stage: string }).stage;
  };
  const untilStage = (id: string, wanted: string) =>
    waitFor(`stage ${wanted}`, async () => ((await stage(id)) === wanted ? true : undefined), patiently);

  const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const upn = `hostlane.${unique}@contoso.dk`;
  const invite = `hostlane.${unique}@example.com`;
  const contact = `hostlane.${unique}.private@example.com`;

  const id = await step('HR starts an enrollment', async () => {
    const response = await api('/api/enrollments', {
      method: 'POST',
      json: {
        employeeId: `HL${unique}`,
        userPrincipalName: upn,
        displayName: 'Host Lane',
        inviteEmail: invite,
        contact: { email: contact },
        locale: 'en',
      },
    });
    await expectStatus(response, [202], 'POST /api/enrollments');
    return ((await response.json()) as { id: string }).id;
  });
  await step('the invitation is mailed', () =>
    waitFor('the invitation', async () => (await messagesTo(invite))[0], patiently),
  );
  await step('the employee registers MFA and the identity system reports it', async () => {
    const response = await fetch(`${options.control}/_dev/api/directory/${encodeURIComponent(upn)}/mfa`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ registered: true }),
    });
    await expectStatus(response, [200], 'the directory stand-in');
    await expectStatus(
      await api(`/api/enrollments/${id}/events/mfa-registered`, { method: 'POST' }),
      [202],
      'MFA event',
    );
  });
  await step('HR reports the contact verified', async () => {
    await expectStatus(
      await api(`/api/enrollments/${id}/events/contact-verified`, { method: 'POST' }),
      [202],
      'contact event',
    );
  });
  const revealPath = await step('the password is minted and the ready link mailed', async () => {
    await untilStage(id, 'ready');
    const link = await waitFor(
      'the ready link',
      async () => (await messagesTo(invite)).flatMap((message) => message.links).find((url) => url.includes('/r/')),
      patiently,
    );
    return new URL(link).pathname;
  });
  const password = await step('the employee reveals it with a code sent to the verified contact', async () => {
    const agent = new EmployeeAgent(options.app);
    const page = await agent.get(revealPath);
    if (page.status !== 200) throw new Error(`the ready page answered ${String(page.status)}`);
    const csrf = csrfOf(page.html);
    const before = (await messagesTo(contact)).length;
    const sent = await agent.submit(`${revealPath}/code`, { csrf });
    if (sent.status >= 400) throw new Error(`asking for a code answered ${String(sent.status)}`);
    const text = await waitFor('the code', async () => (await messagesTo(contact))[before]?.text, patiently);
    const revealed = await agent.submit(`${revealPath}/reveal`, { csrf, code: codeFrom(text) });
    const value = revealedPassword(revealed.html);
    if (value === undefined) throw new Error(`no password on the reveal page (status ${String(revealed.status)})`);
    await untilStage(id, 'revealed');
    return value;
  });
  await step('a relying service verifies it', async () => {
    const response = await api('/api/app-passwords/verify', {
      method: 'POST',
      key: options.verifyKey,
      json: { userPrincipalName: upn, password },
    });
    await expectStatus(response, [200], 'the verify API');
    const body = (await response.json()) as { valid: boolean };
    if (!body.valid) throw new Error('the revealed password does not verify');
  });
  console.log(`host lane: enrollment ${id} went from start to a revealed, verified app password`);
}

drive(readOptions()).catch((error: unknown) => {
  console.error(`host lane: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
