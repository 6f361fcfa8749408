import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../../core/errors.js';
import { codePolicy } from '../../../core/oneTimeCode.js';
import type { Mailer, OutgoingMail } from '../../../core/ports.js';
import { createEmployeeAudit } from '../../../functions/handlers/employee/audit.js';
import { createHandOff } from '../../../functions/handlers/employee/handOff.js';
import { createOneTimeCodes } from '../../../functions/handlers/employee/oneTimeCodes.js';
import { createFollowUps } from '../../../functions/followUps.js';
import { enrollmentId, resolvedFor, tableStores, testClock } from './harness.js';

const clock = testClock();
const stores = tableStores(clock.now);

/** The mail provider's port, answering as told: the one part these tests cannot run for real. */
function mailbox() {
  const sent: OutgoingMail[] = [];
  let failure: Error | undefined;
  const mailer: Mailer = {
    send: (mail) => (failure === undefined ? Promise.resolve(void sent.push(mail)) : Promise.reject(failure)),
  };
  return {
    mailer,
    sent,
    failWith: (error: Error | undefined) => {
      failure = error;
    },
    lastCode: () => /\b(\d{6})\b/.exec(sent.at(-1)?.text ?? '')?.[1] ?? '',
  };
}

function codesWith(box = mailbox()) {
  const audit = createEmployeeAudit(
    { ...stores.ports, now: clock.now },
    createHandOff(createFollowUps({ log: () => undefined })),
  );
  const codes = createOneTimeCodes(
    {
      ...stores.ports,
      timeZone: 'Europe/Copenhagen',
      mailer: () => Promise.resolve(box.mailer),
      sms: undefined,
      now: clock.now,
    },
    audit,
  );
  return { codes, box };
}

const wrongTo = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('one-time codes', () => {
  it('accept the code that was sent, once per attempt, and tell which attempt it was', async () => {
    const { codes, box } = codesWith();
    const link = resolvedFor(enrollmentId());
    expect(await codes.send(link, 'contact', 'email')).toBeUndefined();
    expect(box.sent[0]?.to).toBe('ada.private@example.org');
    expect(await codes.isSent(link, 'contact')).toBe(true);
    expect(await codes.check(link, 'contact', wrongTo(box.lastCode()))).toMatchObject({
      ok: false,
      notice: { kind: 'wrongCode', attemptsLeft: codePolicy.maxAttempts - 1 },
      status: 400,
    });
    expect(await codes.check(link, 'contact', box.lastCode())).toEqual({ ok: true, attempt: 2 });
  });

  it('lock after the last attempt: the right code is refused too, until the code expires', async () => {
    const { codes, box } = codesWith();
    const link = resolvedFor(enrollmentId());
    await codes.send(link, 'reveal', 'email');
    for (let attempt = 1; attempt < codePolicy.maxAttempts; attempt += 1) {
      await codes.check(link, 'reveal', wrongTo(box.lastCode()));
    }
    const last = await codes.check(link, 'reveal', wrongTo(box.lastCode()));
    expect(last).toMatchObject({ ok: false, notice: { kind: 'tooManyAttempts' }, status: 429 });
    const right = await codes.check(link, 'reveal', box.lastCode());
    expect(right).toMatchObject({ ok: false, status: 429, retryAfterMs: codePolicy.validForMs });
    expect(await codes.isSent(link, 'reveal')).toBe(false);
  });

  it('compare at most the allowed number of 30 concurrent guesses, counting each before comparing it', async () => {
    const { codes, box } = codesWith();
    const id = enrollmentId();
    const link = resolvedFor(id);
    await codes.send(link, 'contact', 'email');
    const guesses = Array.from({ length: 30 }, (_, i) => (i === 20 ? box.lastCode() : wrongTo(box.lastCode())));
    const results = await Promise.all(guesses.map((guess) => codes.check(link, 'contact', guess)));
    const wrongAudited = (await stores.audit.list(id)).filter((entry) => entry.action === 'code-wrong:contact');
    const accepted = results.filter((result) => result.ok);
    // Every comparison is either audited as wrong or returned as right: together, never more than the limit.
    expect(wrongAudited.length + accepted.length).toBeLessThanOrEqual(codePolicy.maxAttempts);
    expect(results.filter((result) => !result.ok && result.status === 429).length).toBeGreaterThanOrEqual(
      30 - codePolicy.maxAttempts,
    );
    expect(results.every((result) => result.ok || result.status === 400 || result.status === 429)).toBe(true);
  });

  it('refuse an expired code, and anything that is not six digits even against a code that was never sent', async () => {
    const { codes, box } = codesWith();
    const link = resolvedFor(enrollmentId());
    expect(await codes.check(link, 'contact', '123456')).toMatchObject({ notice: { kind: 'codeExpired' } });
    await codes.send(link, 'contact', 'email');
    expect(await codes.check(link, 'contact', '')).toMatchObject({ ok: false, status: 400 });
    expect(await codes.check(link, 'contact', ` ${box.lastCode()}`)).toMatchObject({ ok: false, status: 400 });
    clock.advance(codePolicy.validForMs);
    expect(await codes.isSent(link, 'contact')).toBe(false);
    expect(await codes.check(link, 'contact', box.lastCode())).toMatchObject({
      ok: false,
      notice: { kind: 'codeExpired' },
    });
  });

  it('send at most three codes per window, saying when the window reopens', async () => {
    const { codes, box } = codesWith();
    const link = resolvedFor(enrollmentId());
    for (let send = 0; send < codePolicy.maxSendsPerWindow; send += 1) {
      expect(await codes.send(link, 'contact', 'email')).toBeUndefined();
      clock.advance(60_000);
    }
    const refused = await codes.send(link, 'contact', 'email');
    expect(refused).toEqual({
      notice: { kind: 'tooManyCodes' },
      status: 429,
      retryAfterMs: codePolicy.sendWindowMs - 3 * 60_000,
    });
    expect(box.sent).toHaveLength(codePolicy.maxSendsPerWindow);
    clock.advance(refused?.retryAfterMs ?? 0);
    expect(await codes.send(link, 'contact', 'email')).toBeUndefined();
  });

  it('take a code back when its mail is refused, and leave none behind when the provider is down', async () => {
    const { codes, box } = codesWith();
    const link = resolvedFor(enrollmentId());
    box.failWith(new PermanentError('bad recipient'));
    expect(await codes.send(link, 'contact', 'email')).toEqual({ notice: { kind: 'sendFailed' }, status: 429 });
    expect(await stores.oneTimeCodes.get(link.enrollmentId, 'contact')).toBeUndefined();
    box.failWith(new TransientError('provider down'));
    await expect(codes.send(link, 'contact', 'email')).rejects.toThrow('provider down');
    expect(await stores.oneTimeCodes.get(link.enrollmentId, 'contact')).toBeUndefined();
  });

  it('send by text only when a provider is configured, never to a channel the contact lacks', async () => {
    const { codes } = codesWith();
    const phoneOnly = resolvedFor(enrollmentId(), {});
    const withoutEmail = { ...phoneOnly, record: { ...phoneOnly.record, contact: { phone: '+4520123456' } } };
    expect(await codes.send(withoutEmail, 'contact', 'sms')).toEqual({ notice: { kind: 'sendFailed' }, status: 429 });
  });
});
