import { composeMail } from '../../../core/emails.js';
import { isPermanentError } from '../../../core/errors.js';
import { messagesFor } from '../../../core/i18n/index.js';
import { codePolicy, hashOneTimeCode, newOneTimeCode } from '../../../core/oneTimeCode.js';
import type { CodeChannel } from '../../../core/ports.js';
import { digestsEqual } from '../../../core/tokens.js';
import type { Notice } from '../../../pages/employeePages.js';
import type { EmployeeAudit } from './audit.js';
import type { Link, Resolved } from './link.js';
import type { EmployeePageDependencies } from '../employeePages.js';

/** Reads of a code that another guess keeps changing before this one is counted, then refused as too many. */
const maxCountRounds = 8;

/** What a refused code or send shows: a notice, the status, and for a limit when to come back. */
export interface Refusal {
  readonly notice: Notice;
  readonly status: number;
  readonly retryAfterMs?: number;
}

/** A right code, and which of its attempts it was: the caller spends the code and audits the comparison. */
export type CodeCheck = { readonly ok: true; readonly attempt: number } | ({ readonly ok: false } & Refusal);

/** The six-digit codes sent to the employee's contact: for verifying it (`contact`) and for a reveal (`reveal`). */
export interface OneTimeCodes {
  /** Whether a live code with attempts left is waiting for the employee. */
  isSent(link: Link, purpose: string): Promise<boolean>;
  /** Sends a fresh code, within the resend limit. Returns what to show when it could not. */
  send(link: Resolved, purpose: string, channel: CodeChannel): Promise<Refusal | undefined>;
  /**
   * Checks a code: expired or missing, locked after 5 tries, constant-time comparison. The attempt is counted (an
   * ETag-conditional write) before the code is compared, so however many guesses race, at most
   * `codePolicy.maxAttempts` comparisons are ever made against one code, the right one among them only if it won a
   * count. A guess that keeps losing the race to count is refused as too many attempts, never as an error. A wrong
   * guess is audited here; a right one is the caller's to audit and to spend (delete), with what it opened.
   */
  check(link: Link, purpose: string, presented: string): Promise<CodeCheck>;
}

export type OneTimeCodeDependencies = Pick<EmployeePageDependencies, 'oneTimeCodes' | 'mailer' | 'sms' | 'now'> & {
  readonly timeZone: string;
};

export function createOneTimeCodes(deps: OneTimeCodeDependencies, audit: EmployeeAudit): OneTimeCodes {
  /** Sends the code by text or mail; false when the contact has neither channel that could carry it. */
  async function deliver(link: Resolved, channel: CodeChannel, code: string): Promise<boolean> {
    const { email, phone } = link.record.contact;
    if (channel === 'sms' && phone !== undefined && deps.sms !== undefined) {
      const text = messagesFor(link.frame.locale).sms.code(code, codePolicy.validForMs / 60_000);
      await (await deps.sms()).send({ to: phone, text });
      return true;
    }
    if (email === undefined) return false;
    const mail = composeMail(
      { to: email, displayName: link.record.displayName, locale: link.record.locale },
      { kind: 'contact-code', code, validForMinutes: codePolicy.validForMs / 60_000 },
      deps.timeZone,
    );
    await (await deps.mailer()).send(mail);
    return true;
  }

  async function send(link: Resolved, purpose: string, channel: CodeChannel): Promise<Refusal | undefined> {
    const store = await deps.oneTimeCodes();
    const now = deps.now();
    const existing = await store.get(link.enrollmentId, purpose);
    const windowOpen =
      existing !== undefined && now.getTime() - new Date(existing.windowStartedAt).getTime() < codePolicy.sendWindowMs;
    const sendsInWindow = windowOpen ? existing.sendsInWindow : 0;
    if (sendsInWindow >= codePolicy.maxSendsPerWindow) {
      const reopensAt = new Date(existing?.windowStartedAt ?? now).getTime() + codePolicy.sendWindowMs;
      return { notice: { kind: 'tooManyCodes' }, status: 429, retryAfterMs: reopensAt - now.getTime() };
    }
    const code = newOneTimeCode();
    const stored = await store.put(
      link.enrollmentId,
      purpose,
      {
        codeHash: hashOneTimeCode(link.pageSecret, purpose, code),
        channel,
        expiresAt: new Date(now.getTime() + codePolicy.validForMs).toISOString(),
        attempts: 0,
        sendsInWindow: sendsInWindow + 1,
        windowStartedAt: windowOpen ? existing.windowStartedAt : now.toISOString(),
      },
      existing?.etag,
    );
    // A concurrent send won the race: its code is the live one, and sending ours would only confuse.
    if (!stored) return undefined;
    try {
      if (!(await deliver(link, channel, code))) return { notice: { kind: 'sendFailed' }, status: 429 };
    } catch (error) {
      await store.delete(link.enrollmentId, purpose);
      if (isPermanentError(error)) return { notice: { kind: 'sendFailed' }, status: 429 };
      throw error;
    }
    await audit.append(link, `code-sent:${purpose}`, channel);
    return undefined;
  }

  async function check(link: Link, purpose: string, presented: string): Promise<CodeCheck> {
    const store = await deps.oneTimeCodes();
    const { enrollmentId, pageSecret } = link;
    for (let round = 0; round < maxCountRounds; round += 1) {
      const stored = await store.get(enrollmentId, purpose);
      const now = deps.now().getTime();
      if (stored === undefined || Date.parse(stored.expiresAt) <= now) {
        return { ok: false, notice: { kind: 'codeExpired' }, status: 400 };
      }
      const locked = {
        notice: { kind: 'tooManyAttempts' },
        status: 429,
        retryAfterMs: Date.parse(stored.expiresAt) - now,
      } as const;
      if (stored.attempts >= codePolicy.maxAttempts) return { ok: false, ...locked };
      const attempt = stored.attempts + 1;
      const { etag, ...rest } = stored;
      if (!(await store.put(enrollmentId, purpose, { ...rest, attempts: attempt }, etag))) continue;
      const candidate = /^\d{6}$/.test(presented) ? presented : '';
      if (digestsEqual(hashOneTimeCode(pageSecret, purpose, candidate), stored.codeHash) && candidate !== '') {
        return { ok: true, attempt };
      }
      await audit.append(link, `code-wrong:${purpose}`, `attempt ${attempt}`);
      const left = codePolicy.maxAttempts - attempt;
      return left > 0
        ? { ok: false, notice: { kind: 'wrongCode', attemptsLeft: left }, status: 400 }
        : { ok: false, ...locked };
    }
    return { ok: false, notice: { kind: 'tooManyAttempts' }, status: 429, retryAfterMs: 1_000 };
  }

  return {
    async isSent(link, purpose) {
      const code = await (await deps.oneTimeCodes()).get(link.enrollmentId, purpose);
      return code !== undefined && new Date(code.expiresAt) > deps.now() && code.attempts < codePolicy.maxAttempts;
    },
    send,
    check,
  };
}
