import { describe, expect, it } from 'vitest';
import { composeMail, type MailContent, type MailRecipient } from '../../core/emails.js';
import { catalogues, formatDateTime } from '../../core/i18n/index.js';
import type { Locale } from '../../core/ports.js';
import { escapeHtml } from '../../pages/html.js';

const token = 'Xk3_9aZ-qL0pWm2vN8rT5yB1cD4eF6gH7iJ0kL2mN4o';
const link = `https://enroll.contoso.com/e/${token}`;
const code = '042913';
const expiresAt = new Date('2026-03-16T08:00:00.000Z');
const zone = 'Europe/Copenhagen';
const locales: readonly Locale[] = ['da', 'en'];

const recipient = (locale: Locale, displayName = 'Ada Lovelace'): MailRecipient => ({
  to: 'ada@example.org',
  displayName,
  locale,
});

const invitation: MailContent = { kind: 'invitation', link, linkExpiresAt: expiresAt };
const contents: readonly MailContent[] = [
  invitation,
  { kind: 'reminder', link, linkExpiresAt: expiresAt },
  { kind: 'ready', link, linkExpiresAt: expiresAt },
  { kind: 'expired' },
  { kind: 'contact-code', code, validForMinutes: 15 },
];
const linkContents = contents.filter((content) => 'link' in content);

const cases = locales.flatMap((locale) => contents.map((content) => [locale, content.kind, content] as const));

describe('composeMail', () => {
  it.each(cases)('%s %s has a recipient, kind, subject, text and html', (locale, kind, content) => {
    const mail = composeMail(recipient(locale), content, zone);
    expect(mail.to).toBe('ada@example.org');
    expect(mail.kind).toBe(kind);
    expect(mail.subject.trim()).not.toBe('');
    expect(mail.text.trim()).not.toBe('');
    expect(mail.html).toMatch(/^<!doctype html><html lang="(da|en)">.*<\/html>$/s);
    expect(mail.html).toContain(`<html lang="${locale}">`);
    expect(mail.text).toContain('Ada Lovelace');
    expect(mail.text).toContain(catalogues[locale].mail.signature);
    expect(mail.text).toContain(catalogues[locale].mail.ignoreIfUnexpected);
  });

  it.each(cases)('%s %s never puts the link or the code in the subject', (locale, _kind, content) => {
    const { subject } = composeMail(recipient(locale), content, zone);
    expect(subject).not.toContain(token);
    expect(subject).not.toContain('https://');
    expect(subject).not.toContain(code);
  });

  it.each(locales.flatMap((locale) => linkContents.map((content) => [locale, content.kind, content] as const)))(
    '%s %s carries the link in text and html',
    (locale, _kind, content) => {
      const mail = composeMail(recipient(locale), content, zone);
      expect(mail.text).toContain(link);
      expect(mail.html).toContain(`href="${link}"`);
    },
  );

  it('uses the kind-specific subject in each language', () => {
    for (const locale of locales) {
      const m = catalogues[locale].mail;
      expect(composeMail(recipient(locale), invitation, zone).subject).toBe(m.invitation.subject);
      expect(composeMail(recipient(locale), { kind: 'expired' }, zone).subject).toBe(m.expired.subject);
      expect(composeMail(recipient(locale), { kind: 'contact-code', code, validForMinutes: 15 }, zone).subject).toBe(
        m.contactCode.subject,
      );
    }
  });

  it.each(locales)('%s mails without a link have no anchor and no URL', (locale) => {
    for (const content of contents.filter((item) => !('link' in item))) {
      const mail = composeMail(recipient(locale), content, zone);
      expect(mail.html).not.toContain('<a ');
      expect(mail.text).not.toContain('https://');
    }
  });

  it.each(locales)('%s contact-code mail has the code and its validity in the body', (locale) => {
    const mail = composeMail(recipient(locale), { kind: 'contact-code', code, validForMinutes: 15 }, zone);
    expect(mail.text).toContain(code);
    expect(mail.html).toContain(code);
    expect(mail.text).toContain(catalogues[locale].mail.contactCode.validFor(15));
  });

  it('escapes the display name in html but keeps it verbatim in text', () => {
    const name = '<script>alert("x")</script> & Co\'s';
    const mail = composeMail(recipient('en', name), invitation, zone);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s');
    expect(mail.text).toContain(name);
  });

  it('escapes the link inside the href attribute', () => {
    const odd = 'https://enroll.contoso.com/e/abc?x=1&y="2"';
    const mail = composeMail(recipient('en'), { kind: 'ready', link: odd, linkExpiresAt: expiresAt }, zone);
    expect(mail.html).toContain('href="https://enroll.contoso.com/e/abc?x=1&amp;y=&quot;2&quot;"');
  });

  it('formats the expiry in Europe/Copenhagen', () => {
    const da = composeMail(recipient('da'), { kind: 'invitation', link, linkExpiresAt: expiresAt }, zone);
    const en = composeMail(recipient('en'), { kind: 'invitation', link, linkExpiresAt: expiresAt }, zone);
    expect(da.text).toContain('09.00');
    expect(da.text).toContain('16. marts 2026');
    expect(en.text).toContain('09:00');
    expect(en.text).toContain('16 March 2026');
    expect(en.html).toContain('09:00');
    expect(en.text).not.toContain('08:00');
  });

  it('formats the expiry in the configured zone', () => {
    const mail = composeMail(recipient('en'), { kind: 'reminder', link, linkExpiresAt: expiresAt }, 'UTC');
    expect(mail.text).toContain('08:00');
    expect(mail.text).not.toContain('09:00');
  });

  it('uses every text of the mail catalogue in some mail (no unused keys)', () => {
    for (const locale of locales) {
      const mails = contents.map((content) => composeMail(recipient(locale), content, zone));
      const everything = mails.flatMap((mail) => [mail.subject, mail.text]).join('\n');
      const html = mails.map((mail) => mail.html).join('\n');
      const m = catalogues[locale].mail;
      // The arguments the mails above give each message function; a new function must be added here.
      const samples: Readonly<Record<string, readonly unknown[]>> = {
        greeting: ['Ada Lovelace'],
        linkExpires: [formatDateTime(expiresAt, locale, zone)],
        'contactCode.validFor': [15],
      };
      const missing = leaves(m).flatMap(({ path, value }) => {
        let text: string;
        if (typeof value === 'string') text = value;
        else if (typeof value === 'function') {
          const args = samples[path];
          if (args === undefined) throw new Error(`no sample arguments for mail.${path}`);
          text = String((value as (...values: readonly unknown[]) => unknown)(...args));
        } else throw new Error(`mail.${path} is a ${typeof value}`);
        return everything.includes(text) && html.includes(escapeHtml(text)) ? [] : [`mail.${path}`];
      });
      expect(missing, locale).toEqual([]);
      expect(mails.map((mail) => mail.subject)).toEqual([
        m.invitation.subject,
        m.reminder.subject,
        m.ready.subject,
        m.expired.subject,
        m.contactCode.subject,
      ]);
    }
  });
});

/** Every leaf of a catalogue section with its dotted path. */
function leaves(node: object, prefix = ''): { path: string; value: unknown }[] {
  return Object.entries(node).flatMap(([key, value]: [string, unknown]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return value !== null && typeof value === 'object' ? leaves(value, path) : [{ path, value }];
  });
}
