import { randomUUID } from 'node:crypto';
import type { Config } from '../../../core/config.js';
import { detectMailClient } from '../../../core/mailClients.js';
import { enrollmentEvents } from '../../../core/orchestrationContract.js';
import type { CodeChannel, RevealClaim, RevealSnapshot } from '../../../core/ports.js';
import { messagePage, passwordPage } from '../../../pages/employeePages.js';
import type { AuditNote, EmployeeAudit } from './audit.js';
import type { HandOff } from './handOff.js';
import { isReady, type ReadyLink, type Resolved } from './link.js';
import type { OneTimeCodes } from './oneTimeCodes.js';
import type { FormAction } from './pageHandlers.js';
import { takenPage, type Rendering } from './rendering.js';
import type { PageResponses } from './responses.js';
import type { Sessions } from './session.js';
import type { EmployeePageDependencies } from '../employeePages.js';

/** The two form posts of a password that is ready: a code for the reveal, and the reveal itself. */
export interface RevealActions {
  /** Sends a reveal code to the verified contact, for an employee without a session. */
  readonly sendCode: FormAction<Resolved>;
  /**
   * The one reveal. The employee proves presence (the session cookie, or a code sent to the verified contact, counted
   * before it is compared), then the reveal is claimed (insert-if-absent: exactly one claim per password version) and
   * only then is the vault read. Only that read may still keep the password from the employee: everything else (the
   * audit rows, the spent code, the PasswordRevealed event) happens after the answer, retried and then let go, never a
   * reason to fail the page. The claim row is the record that counts: the orchestration reads it at the retrieval
   * deadline should the event never arrive, and records the reveal's outcome from it.
   */
  readonly reveal: FormAction<ReadyLink | Resolved>;
}

export type RevealDependencies = Pick<
  EmployeePageDependencies,
  'revealClaims' | 'vault' | 'oneTimeCodes' | 'instances' | 'followUps' | 'now'
> & {
  readonly config: Pick<Config, 'MAIL_IMAP_SERVER' | 'MAIL_SMTP_SERVER'>;
};

/** The password a link may reveal and whose it is: from the ready link's snapshot, or from a ready enrollment. */
function revealable(
  link: ReadyLink | Resolved,
): { readonly appPassword: RevealSnapshot['appPassword']; readonly userPrincipalName: string } | undefined {
  if (isReady(link)) return link.snapshot;
  if (link.stage !== 'ready' || link.record.appPassword === undefined) return undefined;
  return { appPassword: link.record.appPassword, userPrincipalName: link.record.userPrincipalName };
}

export function createRevealActions(
  deps: RevealDependencies,
  units: {
    readonly sessions: Sessions;
    readonly codes: OneTimeCodes;
    readonly audit: EmployeeAudit;
    readonly handOff: HandOff;
    readonly rendering: Rendering;
    readonly responses: PageResponses;
  },
): RevealActions {
  const { sessions, codes, audit, handOff, rendering, responses } = units;

  const sendCode: FormAction<Resolved> = async (request, _context, link) => {
    if (link.stage !== 'ready') return responses.respond(request, await rendering.renderFor(request, link));
    const channel: CodeChannel = link.record.contact.email === undefined ? 'sms' : 'email';
    const refusal = await codes.send(link, 'reveal', channel);
    if (refusal !== undefined) return rendering.refused(request, link, refusal);
    return responses.redirect(link.home);
  };

  const reveal: FormAction<ReadyLink | Resolved> = async (request, context, link, form) => {
    const target = revealable(link);
    if (target === undefined) return responses.respond(request, await rendering.renderFor(request, link));
    const { enrollmentId } = link;
    const notes: AuditNote[] = [];
    // A right code is spent (single use) after the answer, once the reveal it opened is claimed; when the vault read
    // fails, the claim is given back and the code still serves the retry.
    let spendCode = (): void => undefined;
    if (!(await sessions.has(request, link))) {
      const check = await codes.check(link, 'reveal', form.get('code') ?? '');
      if (!check.ok) return rendering.refused(request, link, check);
      notes.push(['code-accepted:reveal', `attempt ${check.attempt}`]);
      spendCode = () => {
        handOff.later(context, 'spending the reveal code', async () => {
          await (await deps.oneTimeCodes()).delete(enrollmentId, 'reveal');
        });
      };
    }
    const reference = target.appPassword;
    const claims = await deps.revealClaims();
    const claim: RevealClaim = { id: randomUUID(), holder: 'employee', claimedAt: deps.now().toISOString() };
    if (!(await claims.claim(enrollmentId, reference.version, claim))) {
      spendCode();
      audit.later(context, link, [...notes, ['reveal-refused', 'already shown']]);
      if (!isReady(link)) return responses.respond(request, messagePage(link.frame, 'alreadyShown'));
      return responses.respond(request, takenPage(link, await claims.find(enrollmentId, reference.version)));
    }
    let password: string;
    try {
      password = await (await deps.vault()).readAppPassword(reference);
    } catch (error) {
      // The employee has not seen it: give the reveal back, so a retry can succeed.
      await deps.followUps.settle('giving the reveal back', () =>
        claims.release(enrollmentId, reference.version, claim.id),
      );
      audit.later(context, link, notes);
      throw error;
    }
    // From here on nothing may fail the page: each step below is a follow-up, its own failure its own.
    audit.later(context, link, [...notes, ['app-password-revealed', `version ${reference.version}`]]);
    spendCode();
    handOff.later(context, 'PasswordRevealed', () =>
      deps.instances(request, context).raiseEvent(enrollmentId, enrollmentEvents.passwordRevealed),
    );
    return responses.respond(
      request,
      passwordPage({
        ...link.frame,
        password,
        userPrincipalName: target.userPrincipalName,
        mailClient: detectMailClient(request.headers.get('user-agent')),
        servers: { imap: deps.config.MAIL_IMAP_SERVER, smtp: deps.config.MAIL_SMTP_SERVER },
      }),
    );
  };

  return { sendCode, reveal };
}
