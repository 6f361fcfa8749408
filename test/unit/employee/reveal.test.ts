import { describe, expect, it } from 'vitest';
import type { EnrollmentInstances, Vault } from '../../../core/ports.js';
import { createEmployeeAudit } from '../../../functions/handlers/employee/audit.js';
import { createHandOff } from '../../../functions/handlers/employee/handOff.js';
import type { ReadyLink } from '../../../functions/handlers/employee/link.js';
import { createOneTimeCodes } from '../../../functions/handlers/employee/oneTimeCodes.js';
import { createRendering } from '../../../functions/handlers/employee/rendering.js';
import { createPageResponses } from '../../../functions/handlers/employee/responses.js';
import { createRevealActions } from '../../../functions/handlers/employee/reveal.js';
import { createSessions } from '../../../functions/handlers/employee/session.js';
import { createFollowUps } from '../../../functions/followUps.js';
import { enrollmentId, invocation, linkFor, pageRequest, tableStores, testClock } from './harness.js';

const clock = testClock();
const stores = tableStores(clock.now);
const password = 'abcdefghijklmnop';

/**
 * The reveal with the real claim, code, link and audit tables. The vault and the task hub are the ports it reads and
 * raises to; here they answer as the test says and count what they were asked.
 */
function revealHarness() {
  const asked = { vaultReads: 0, events: [] as string[] };
  let vaultDown = false;
  const vault: Vault = {
    storeAppPassword: () => Promise.reject(new Error('not stored here')),
    findLiveAppPassword: () => Promise.reject(new Error('not looked up here')),
    readAppPassword: () => {
      asked.vaultReads += 1;
      return vaultDown ? Promise.reject(new Error('vault unavailable')) : Promise.resolve(password);
    },
    disableAppPassword: () => Promise.reject(new Error('not disabled here')),
  };
  const instances: EnrollmentInstances = {
    start: () => Promise.reject(new Error('not started here')),
    status: () => Promise.reject(new Error('a ready link reads no status')),
    raiseEvent: (_id, event) => Promise.resolve(void asked.events.push(event)),
  };
  const followUps = createFollowUps({ log: () => undefined, backoffMs: 1 });
  const handOff = createHandOff(followUps);
  const audit = createEmployeeAudit({ ...stores.ports, now: clock.now }, handOff);
  const sessions = createSessions({
    publicBaseUrl: 'https://enroll.contoso.example',
    retrievalValidForMs: 7 * 86_400_000,
    linkTokens: stores.ports.linkTokens,
    now: clock.now,
  });
  const codes = createOneTimeCodes(
    {
      ...stores.ports,
      timeZone: 'Europe/Copenhagen',
      mailer: () => Promise.reject(new Error('no mail here')),
      sms: undefined,
      now: clock.now,
    },
    audit,
  );
  const responses = createPageResponses('https://enroll.contoso.example');
  const rendering = createRendering(
    { mfaSetupUrl: 'https://aka.ms/mysecurityinfo', smsConfigured: false, revealClaims: stores.ports.revealClaims },
    { sessions, codes, responses },
  );
  const actions = createRevealActions(
    {
      ...stores.ports,
      config: {
        MAIL_IMAP_SERVER: { host: 'imap.contoso.example', port: 993 },
        MAIL_SMTP_SERVER: { host: 'smtp.contoso.example', port: 587 },
      },
      vault: () => Promise.resolve(vault),
      instances: () => instances,
      followUps,
      now: clock.now,
    },
    { sessions, codes, audit, handOff, rendering, responses },
  );
  const readyLink = (session: boolean): ReadyLink => {
    const id = enrollmentId();
    return {
      ...linkFor(id, 'reveal'),
      session,
      snapshot: {
        appPassword: { secretName: `apppw-${id}`, version: 'v1' },
        pageSecret: 'page-secret',
        userPrincipalName: 'ada@contoso.example',
        locale: 'en',
      },
      retrievalExpiresAt: new Date(clock.now().getTime() + 86_400_000),
    };
  };
  const reveal = async (link: ReadyLink, code?: string) => {
    const context = invocation();
    const form = new URLSearchParams(code === undefined ? {} : { code });
    const answer = await actions.reveal(pageRequest(`${link.basePath}/reveal`), context, link, form);
    handOff.startAfterAnswer(context);
    return answer;
  };
  const settled = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    await followUps.idle();
  };
  return { asked, reveal, readyLink, settled, setVaultDown: (down: boolean) => (vaultDown = down) };
}

const bodyOf = (answer: { body?: unknown }) => (typeof answer.body === 'string' ? answer.body : '');
/** The page shows the password in groups of four, one span each. */
const showsPassword = (answer: { body?: unknown }) =>
  bodyOf(answer)
    .replace(/<\/?span>/g, '')
    .includes(password);

describe('the reveal', () => {
  it('shows the password to exactly one of 50 concurrent reveals, reading the vault once', async () => {
    const harness = revealHarness();
    const link = harness.readyLink(true);
    const answers = await Promise.all(Array.from({ length: 50 }, () => harness.reveal(link)));
    const shown = answers.filter(showsPassword);
    expect(shown).toHaveLength(1);
    expect(shown[0]?.status).toBe(200);
    expect(answers.filter((answer) => answer.status === 410)).toHaveLength(49);
    expect(harness.asked.vaultReads).toBe(1);
    await harness.settled();
    expect(harness.asked.events).toEqual(['PasswordRevealed']);
    const audited = (await stores.audit.list(link.enrollmentId)).map((entry) => entry.action);
    expect(audited.filter((action) => action === 'app-password-revealed')).toHaveLength(1);
  });

  it('gives the reveal back when the vault read fails, so the next try shows it', async () => {
    const harness = revealHarness();
    const link = harness.readyLink(true);
    harness.setVaultDown(true);
    await expect(harness.reveal(link)).rejects.toThrow('vault unavailable');
    expect(await stores.revealClaims.find(link.enrollmentId, 'v1')).toBeUndefined();
    harness.setVaultDown(false);
    expect(showsPassword(await harness.reveal(link))).toBe(true);
  });

  it('asks for a code when there is no session, and takes no claim for a wrong or missing one', async () => {
    const harness = revealHarness();
    const link = harness.readyLink(false);
    const noCode = await harness.reveal(link);
    expect(noCode.status).toBe(400);
    expect(showsPassword(noCode)).toBe(false);
    expect(await stores.revealClaims.find(link.enrollmentId, 'v1')).toBeUndefined();
    expect(harness.asked.vaultReads).toBe(0);
  });

  it('tells the employee a password the orchestration took back is cancelled, and one shown elsewhere is shown', async () => {
    const harness = revealHarness();
    const cancelled = harness.readyLink(true);
    await stores.revealClaims.claim(cancelled.enrollmentId, 'v1', {
      id: 'orchestration:x',
      holder: 'orchestration',
      claimedAt: clock.now().toISOString(),
    });
    const shownElsewhere = harness.readyLink(true);
    await stores.revealClaims.claim(shownElsewhere.enrollmentId, 'v1', {
      id: 'employee:x',
      holder: 'employee',
      claimedAt: clock.now().toISOString(),
    });
    const [taken, shown] = [await harness.reveal(cancelled), await harness.reveal(shownElsewhere)];
    expect([taken.status, shown.status]).toEqual([410, 410]);
    expect(bodyOf(taken)).not.toBe(bodyOf(shown));
    expect(harness.asked.vaultReads).toBe(0);
  });
});
