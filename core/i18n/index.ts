import type { Locale } from '../ports.js';
import type { Catalogue } from './catalogue.js';
import { da } from './da.js';
import { en } from './en.js';

export const catalogues: Readonly<Record<Locale, Catalogue>> = { da, en };

export function messagesFor(locale: Locale): Catalogue {
  return catalogues[locale];
}

/** Formats an instant for people in their language and time zone (Europe/Copenhagen unless configured). */
export function formatDateTime(instant: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'da' ? 'da-DK' : 'en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone,
  }).format(instant);
}
