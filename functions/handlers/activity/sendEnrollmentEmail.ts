import type { Config } from '../../../core/config.js';
import { composeMail, type MailContent } from '../../../core/emails.js';
import { isPermanentError } from '../../../core/errors.js';
import { formatDateTime, messagesFor } from '../../../core/i18n/index.js';
import { enrollmentLink, revealLink } from '../../../core/links.js';
import type { ActivityResult, SendEmailInput } from '../../../core/orchestrationContract.js';
import type { EnrollmentRecord, RevealSnapshot } from '../../../core/ports.js';
import { newLinkToken } from '../../../core/tokens.js';
import type { OrchestrationAudit } from './audit.js';
import type { ActivityDependencies } from '../activities.js';

export type SendEmailDependencies = Pick<
  ActivityDependencies,
  'enrollments' | 'linkTokens' | 'mailer' | 'sms' | 'followUps'
> & {
  readonly config: Pick<Config, 'PUBLIC_BASE_URL' | 'TIME_ZONE'>;
};

/**
 * What the ready link's row carries for the reveal (see `RevealSnapshot`): the record as it stands once the password is
 * minted, which is when the ready mail goes out. Without a minted password there is nothing to carry.
 */
function revealSnapshotOf(record: EnrollmentRecord): RevealSnapshot | undefined {
  if (record.appPassword === undefined) return undefined;
  return {
    appPassword: record.appPassword,
    pageSecret: record.pageSecret,
    userPrincipalName: record.userPrincipalName,
    locale: record.locale,
  };
}

/**
 * The enrollment's mails: invitation, reminder, ready and expired. A mail that carries a link gets a new token each
 * time; a ready link for a contact that is a phone number only goes out as a text.
 */
export function createSendEnrollmentEmail(deps: SendEmailDependencies, audit: OrchestrationAudit) {
  /**
   * What was sent is recorded without failing the activity: a failure here would have Durable retry it and send the
   * message again. The row is retried, then let go with a log line.
   */
  const recordSent = (enrollmentId: string, action: string) =>
    deps.followUps.settle(`The audit row ${action} of enrollment ${enrollmentId}`, () => audit(enrollmentId, action));

  /** A re-issued password's link for a verified contact that is a phone number only. */
  async function sendReadyText(record: EnrollmentRecord, link: string, until: Date): Promise<ActivityResult> {
    const phone = record.contact.phone;
    if (phone === undefined || deps.sms === undefined) {
      await audit(record.enrollmentId, 'sms-unavailable:ready');
      return { ok: false, reason: 'no-contact-channel' };
    }
    const when = formatDateTime(until, record.locale, deps.config.TIME_ZONE);
    try {
      await (await deps.sms()).send({ to: phone, text: messagesFor(record.locale).sms.ready(link, when) });
    } catch (error) {
      if (!isPermanentError(error)) throw error;
      await audit(record.enrollmentId, 'sms-rejected:ready');
      return { ok: false, reason: 'recipient-rejected' };
    }
    await recordSent(record.enrollmentId, 'sms-sent:ready');
    return { ok: true };
  }

  /** The mail's content; for a kind with a link, the link's token is stored (as a hash) first. */
  async function contentFor(
    input: SendEmailInput,
    record: EnrollmentRecord,
  ): Promise<MailContent | { readonly failed: ActivityResult }> {
    if (input.kind === 'expired') return { kind: 'expired' };
    if (input.linkExpiresAt === undefined) return { failed: { ok: false, reason: 'link-expiry-missing' } };
    // A new token per message: only hashes are stored, so an earlier link cannot be re-sent, only replaced.
    const { token, hash } = newLinkToken();
    const purpose = input.kind === 'ready' ? 'reveal' : 'enroll';
    const reveal = purpose === 'reveal' ? revealSnapshotOf(record) : undefined;
    await (
      await deps.linkTokens()
    ).save(hash, {
      enrollmentId: record.enrollmentId,
      purpose,
      expiresAt: input.linkExpiresAt,
      ...(reveal === undefined ? {} : { reveal }),
    });
    const link =
      purpose === 'reveal'
        ? revealLink(deps.config.PUBLIC_BASE_URL, token)
        : enrollmentLink(deps.config.PUBLIC_BASE_URL, token);
    return { kind: input.kind, link, linkExpiresAt: new Date(input.linkExpiresAt) };
  }

  return async (input: SendEmailInput): Promise<ActivityResult> => {
    const record = await (await deps.enrollments()).get(input.enrollmentId);
    if (record === undefined) return { ok: false, reason: 'enrollment-missing' };
    const content = await contentFor(input, record);
    if ('failed' in content) return content.failed;
    const contactByText = input.recipient === 'contact' && record.contact.email === undefined;
    if (contactByText && content.kind === 'ready') return sendReadyText(record, content.link, content.linkExpiresAt);
    const mail = composeMail(
      {
        to: input.recipient === 'contact' ? (record.contact.email ?? record.inviteEmail) : record.inviteEmail,
        displayName: record.displayName,
        locale: record.locale,
      },
      content,
      deps.config.TIME_ZONE,
    );
    try {
      await (await deps.mailer()).send(mail);
    } catch (error) {
      if (!isPermanentError(error)) throw error;
      await audit(record.enrollmentId, `mail-rejected:${input.kind}`);
      return { ok: false, reason: 'recipient-rejected' };
    }
    await recordSent(record.enrollmentId, `mail-sent:${input.kind}`);
    return { ok: true };
  };
}
