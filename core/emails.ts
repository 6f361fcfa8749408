import { formatDateTime, messagesFor } from './i18n/index.js';
import type { Locale, MailKind, OutgoingMail } from './ports.js';

export interface MailRecipient {
  readonly to: string;
  readonly displayName: string;
  readonly locale: Locale;
}

export type MailContent =
  | { readonly kind: 'invitation' | 'reminder' | 'ready'; readonly link: string; readonly linkExpiresAt: Date }
  | { readonly kind: 'expired' }
  | { readonly kind: 'contact-code'; readonly code: string; readonly validForMinutes: number };

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * Builds one e-mail in the recipient's language, as plain text and HTML. No images, no tracking, and nothing
 * secret in the subject line (previews and notification banners show subjects).
 */
export function composeMail(recipient: MailRecipient, content: MailContent, timeZone: string): OutgoingMail {
  const m = messagesFor(recipient.locale).mail;
  const paragraphs: string[] = [];
  let action: { label: string; link: string } | undefined;
  let subject: string;
  const kind: MailKind = content.kind;
  switch (content.kind) {
    case 'invitation':
    case 'reminder':
    case 'ready': {
      const texts = m[content.kind];
      subject = texts.subject;
      paragraphs.push(texts.intro);
      action = { label: texts.action, link: content.link };
      paragraphs.push(m.linkExpires(formatDateTime(content.linkExpiresAt, recipient.locale, timeZone)));
      break;
    }
    case 'expired':
      subject = m.expired.subject;
      paragraphs.push(m.expired.intro);
      break;
    case 'contact-code':
      subject = m.contactCode.subject;
      paragraphs.push(m.contactCode.intro, `${m.contactCode.codeLabel}: ${content.code}`);
      paragraphs.push(m.contactCode.validFor(content.validForMinutes));
      break;
  }
  paragraphs.push(m.ignoreIfUnexpected);

  const greeting = m.greeting(recipient.displayName);
  const text = [
    greeting,
    '',
    ...paragraphs.slice(0, 1),
    ...(action === undefined ? [] : ['', `${action.label}: ${action.link}`]),
    ...paragraphs.slice(1).flatMap((p) => ['', p]),
    '',
    m.signature,
  ].join('\n');

  const html = [
    `<!doctype html><html lang="${recipient.locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;line-height:1.5;color:#1b1b1b;max-width:36rem">',
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(paragraphs[0] ?? '')}</p>`,
    action === undefined
      ? ''
      : `<p><a href="${escapeHtml(action.link)}" style="display:inline-block;padding:0.6rem 1.2rem;background:#0b5cad;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(action.label)}</a></p>`,
    ...paragraphs.slice(1).map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p>${escapeHtml(m.signature)}</p>`,
    '</body></html>',
  ].join('');

  return { to: recipient.to, subject, text, html, kind };
}
