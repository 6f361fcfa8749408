import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmulatorCredential } from '../../adapters/keyVaultVault.js';
import { createDevhostProcess, type DevhostProcess } from '../helpers/devhostProcess.js';
import { EmployeeAgent, codeFrom, csrfOf, revealedPassword } from '../helpers/employeeBrowser.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * The whole journey driven only through the documented HR API, the dev console's JSON API and the employee pages,
 * against `npm start` running as a separate process that is killed (SIGKILL) and started again after every stage.
 */

let devhost: DevhostProcess;

beforeAll(async () => {
  devhost = await createDevhostProcess();
  await devhost.start();
}, 30_000);

afterAll(async () => {
  await devhost.stop();
});

interface OutboxEntry {
  channel: string;
  to: string[];
  subject: string;
  text: string;
  links: string[];
}

async function outboxTo(address: string): Promise<OutboxEntry[]> {
  const response = await fetch(`${devhost.url}/_dev/api/outbox?to=${encodeURIComponent(address)}`);
  return ((await response.json()) as { messages: OutboxEntry[] }).messages;
}

async function stage(id: string): Promise<string> {
  const response = await fetch(`${devhost.url}/api/enrollments/${id}`, {
    headers: { 'x-functions-key': devhost.functionKey },
  });
  return ((await response.json()) as { stage: string }).stage;
}

/** Waits until every activity the instance scheduled has finished: the point where a crash loses nothing. */
async function settled(id: string): Promise<void> {
  await waitFor(`instance ${id} to settle`, async () => {
    const response = await fetch(`${devhost.url}/_dev/api/instances/${id}`);
    const status = (await response.json()) as {
      historyEvents: { EventType: number; EventId: number; TaskScheduledId?: number }[];
    };
    const scheduled = status.historyEvents.filter((e) => e.EventType === 4).map((e) => e.EventId);
    const done = new Set(
      status.historyEvents.filter((e) => e.EventType === 5 || e.EventType === 6).map((e) => e.TaskScheduledId),
    );
    return scheduled.every((eventId) => done.has(eventId)) ? true : undefined;
  });
}

async function restart(id: string): Promise<void> {
  await settled(id);
  await devhost.kill();
  await devhost.start();
}

describe('npm start, killed and restarted after every stage', () => {
  it('completes the enrollment and reveals the password in the vault, with one of each e-mail', async () => {
    const upn = 'restart.user@contoso.dk';
    const started = await fetch(`${devhost.url}/api/enrollments`, {
      method: 'POST',
      headers: { 'x-functions-key': devhost.functionKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        employeeId: 'E8001',
        userPrincipalName: upn,
        displayName: 'Rasmus Restart',
        inviteEmail: 'rasmus@example.com',
        contact: { email: 'rasmus.private@example.com' },
        locale: 'en',
      }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    await waitFor('the invitation', async () => ((await outboxTo('rasmus@example.com')).length > 0 ? true : undefined));
    await restart(id);

    const invitation = (await outboxTo('rasmus@example.com'))[0];
    const enrollPath = new URL(invitation?.links.find((link) => link.includes('/e/')) ?? '').pathname;
    const agent = new EmployeeAgent(devhost.url);
    const page = await agent.get(enrollPath);
    expect(page.status).toBe(200);
    const csrf = csrfOf(page.html);
    const flip = await fetch(`${devhost.url}/_dev/api/directory/${encodeURIComponent(upn)}/mfa`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ registered: true }),
    });
    expect(flip.status).toBe(200);
    expect((await agent.submit(`${enrollPath}/mfa`, { csrf })).status).toBe(303);
    await waitFor('awaiting-verification', async () =>
      (await stage(id)) === 'awaiting-verification' ? true : undefined,
    );
    await restart(id);

    expect((await agent.submit(`${enrollPath}/contact/send`, { csrf, channel: 'email' })).status).toBe(303);
    await restart(id);
    const codeMail = await waitFor('the code', async () => (await outboxTo('rasmus.private@example.com'))[0]);
    expect((await agent.submit(`${enrollPath}/contact/verify`, { csrf, code: codeFrom(codeMail.text) })).status).toBe(
      303,
    );
    await waitFor('ready', async () => ((await stage(id)) === 'ready' ? true : undefined));
    await restart(id);

    const readyMail = (await outboxTo('rasmus@example.com')).find((message) =>
      message.links.some((l) => l.includes('/r/')),
    );
    const revealPath = new URL(readyMail?.links.find((link) => link.includes('/r/')) ?? '').pathname;
    const revealPage = await agent.get(revealPath);
    const reveal = await agent.submit(`${revealPath}/reveal`, { csrf: csrfOf(revealPage.html) });
    expect(reveal.status).toBe(200);
    const password = revealedPassword(reveal.html);
    await waitFor('revealed', async () => ((await stage(id)) === 'revealed' ? true : undefined));
    await restart(id);

    const vault = new SecretClient(devhost.vaultUrl, createLocalEmulatorCredential(), {
      allowInsecureConnection: true,
      disableChallengeResourceVerification: true,
    });
    expect(password).toMatch(/^[a-z]{16}$/);
    expect(password).toBe((await vault.getSecret(`apppw-${id}`)).value);
    expect((await agent.submit(`${revealPath}/reveal`, { csrf: csrfOf(revealPage.html) })).status).toBe(410);
    expect(await stage(id)).toBe('revealed');
    expect((await outboxTo('rasmus@example.com')).map((message) => message.subject)).toEqual([
      'Set up your work sign-in',
      'Your app password is ready',
    ]);
    expect(await outboxTo('rasmus.private@example.com')).toHaveLength(1);
  }, 120_000);

  it('loses nothing when killed at any moment, not just between stages', async () => {
    const started = await fetch(`${devhost.url}/api/enrollments`, {
      method: 'POST',
      headers: { 'x-functions-key': devhost.functionKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        employeeId: 'E8002',
        userPrincipalName: 'kim@contoso.dk',
        displayName: 'Kim',
        inviteEmail: 'kim@example.com',
        contact: { email: 'kim@example.com' },
      }),
    });
    const { id } = (await started.json()) as { id: string };
    // Killed while the invitation activity may be running: it runs again after the restart (at least once).
    await devhost.kill();
    await devhost.start();
    await waitFor('the invitation', async () => ((await outboxTo('kim@example.com')).length > 0 ? true : undefined));
    // The HR route asks the directory first, as in Azure: the local one is set through the dev console.
    await fetch(`${devhost.url}/_dev/api/directory/kim%40contoso.dk/mfa`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ registered: true }),
    });
    await fetch(`${devhost.url}/api/enrollments/${id}/events/mfa-registered`, {
      method: 'POST',
      headers: { 'x-functions-key': devhost.functionKey },
    });
    await devhost.kill();
    await devhost.start();
    await waitFor('awaiting-verification', async () =>
      (await stage(id)) === 'awaiting-verification' ? true : undefined,
    );
    const invitations = await outboxTo('kim@example.com');
    expect(invitations.length).toBeGreaterThanOrEqual(1);
    expect(invitations.length).toBeLessThanOrEqual(2);
  }, 60_000);
});
