import type { OrchestrationContext, Task } from 'durable-functions';
import {
  activityNames,
  enrollmentEvents,
  mfaNotRegistered,
  type EnrollmentInput,
  type EnrollmentOutcome,
  type MintInput,
  type MintResult,
} from '../core/orchestrationContract.js';
import { addMilliseconds, planVerificationWake } from '../core/schedule.js';
import { createEnrollmentSteps, type Step } from './enrollmentSteps.js';
import { raceWithTimer } from './raceWithTimer.js';

/**
 * The enrollment: invite → wait for MFA and a verified contact (either order, with reminders, a deadline and
 * cancellation) → mint the app password into Key Vault → "ready" mail → wait for the one reveal or the retrieval
 * deadline. Deterministic: time comes from `currentUtcDateTime`, everything else from activities. No payload here
 * carries a secret; the mint activity returns only a reference.
 *
 * When HR asked for callbacks, each stage change is queued as an event (with the time it happened) and POSTed by the
 * `notifyHr` activity in order, at points where no e-mail, mint or reveal waits for it: after the invitation mail,
 * after each verification while the other is still awaited, after the ready mail (issuing and ready), and after the
 * outcome is recorded. A receiver that keeps failing costs its retries, never the enrollment.
 */
export function* enrollmentOrchestrator(context: OrchestrationContext): Step<EnrollmentOutcome> {
  const input = context.df.getInput<EnrollmentInput>();
  const { policy } = input;
  const startedAt = context.df.currentUtcDateTime;
  const invitationExpiresAt = addMilliseconds(startedAt, policy.invitationValidForMs);
  const { report, announce, flushCallbacks, callVault, sendEmail, finish, disableUnlessRevealed } =
    createEnrollmentSteps(context, input, invitationExpiresAt);
  report({});

  const cancel = context.df.waitForExternalEvent(enrollmentEvents.cancelled);

  let remindersSent = 0;

  /**
   * Waits for MFA and, unless it is already in, a verified contact, in either order, raced against reminders, the
   * invitation deadline and a cancel; returns the outcome when the enrollment ends here.
   */
  function* awaitVerification(contactPending: boolean): Step<EnrollmentOutcome | undefined> {
    const mfa = context.df.waitForExternalEvent(enrollmentEvents.mfaRegistered);
    const contact = contactPending ? context.df.waitForExternalEvent(enrollmentEvents.contactVerified) : undefined;
    const contactVerified = () => contact?.isCompleted ?? true;

    while (!(mfa.isCompleted && contactVerified())) {
      const wake = planVerificationWake(startedAt, policy, remindersSent);
      const pending = [mfa, contact].filter((task): task is Task => task !== undefined && !task.isCompleted);
      const race = yield* raceWithTimer(context, [...pending, cancel], wake.fireAt);
      if (race.timedOut) {
        if (wake.kind === 'deadline') {
          yield* sendEmail('expired');
          return yield* finish('expired', 'verification-deadline');
        }
        remindersSent += 1;
        yield* sendEmail('reminder', invitationExpiresAt, input.reissueOf === undefined ? 'invitee' : 'contact');
        continue;
      }
      if (race.winner === cancel) return yield* finish('cancelled', 'cancelled-by-hr');
      report({ stage: 'awaiting-verification', mfaRegistered: mfa.isCompleted, contactVerified: contactVerified() });
      // With both done the stage moves straight on to issuing, which is what HR hears next.
      if (!(mfa.isCompleted && contactVerified())) {
        announce();
        yield* flushCallbacks();
      }
    }
    return undefined;
  }

  /** Invitation, then MFA and a verified contact in either order; returns the outcome when the enrollment ends here. */
  function* inviteAndVerify(): Step<EnrollmentOutcome | undefined> {
    const invited = yield* sendEmail('invitation', invitationExpiresAt);
    if (!invited.ok) return yield* finish('failed', `invitation-${invited.reason}`);
    announce();
    yield* flushCallbacks();
    return yield* awaitVerification(true);
  }

  /**
   * The mint. The activity asks the directory once more just before it: an app password bypasses MFA for the
   * protocols it unlocks, so when MFA is not (or no longer) registered the enrollment goes back to waiting for it,
   * with the page showing step 1 open again, rather than failing.
   */
  function* mintOnceMfaHolds(): Step<{ readonly minted: MintResult } | { readonly ended: EnrollmentOutcome }> {
    for (;;) {
      report({ stage: 'issuing', mfaRegistered: true, contactVerified: true });
      // Sent after the ready mail (or with the outcome): nothing may stand between the verifications and the mint.
      announce();
      const mintInput: MintInput = { enrollmentId: input.enrollmentId };
      const minted = (yield* callVault(activityNames.mintAppPassword, mintInput)) as MintResult;
      if (minted.ok || minted.reason !== mfaNotRegistered) return { minted };
      report({ stage: 'awaiting-verification', mfaRegistered: false });
      announce();
      yield* flushCallbacks();
      const ended = yield* awaitVerification(false);
      if (ended !== undefined) return { ended };
    }
  }

  // A re-issue skips straight to minting: the employee verified in the enrollment it re-issues.
  if (input.reissueOf === undefined) {
    const ended = yield* inviteAndVerify();
    if (ended !== undefined) return ended;
  }

  const issued = yield* mintOnceMfaHolds();
  if ('ended' in issued) return issued.ended;
  const { minted } = issued;
  if (!minted.ok) return yield* finish('failed', `mint-${minted.reason}`);
  const reference = { secretName: minted.secretName, version: minted.version };
  if (cancel.isCompleted) {
    if (yield* disableUnlessRevealed(reference)) return yield* finish('revealed');
    return yield* finish('cancelled', 'cancelled-by-hr');
  }

  const retrievalExpiresAt = addMilliseconds(context.df.currentUtcDateTime, policy.retrievalValidForMs);
  // Ready before the mail goes out: the link in it must never land on a page that still says "wait". A reveal that
  // happens meanwhile is buffered by the event wait below.
  report({ stage: 'ready', retrievalExpiresAt: retrievalExpiresAt.toISOString() });
  announce();
  const revealed = context.df.waitForExternalEvent(enrollmentEvents.passwordRevealed);
  // An undeliverable ready mail does not end the enrollment: the enrollment page (open, or via the invitation link)
  // offers the reveal too, and the retrieval deadline still disables an unrevealed password.
  yield* sendEmail('ready', retrievalExpiresAt, input.reissueOf === undefined ? 'invitee' : 'contact');
  // A reveal meanwhile is buffered by the event wait, so the employee never waits for HR's receiver.
  yield* flushCallbacks();

  const retrieval = yield* raceWithTimer(context, [revealed, cancel], retrievalExpiresAt);
  if (!retrieval.timedOut && retrieval.winner === revealed) return yield* finish('revealed');
  if (yield* disableUnlessRevealed(reference)) return yield* finish('revealed');
  if (retrieval.timedOut) {
    yield* sendEmail('expired');
    return yield* finish('expired', 'retrieval-deadline');
  }
  return yield* finish('cancelled', 'cancelled-by-hr');
}
