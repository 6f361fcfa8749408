import type { Catalogue } from '../core/i18n/catalogue.js';
import { formatDateTime, messagesFor } from '../core/i18n/index.js';
import type { Locale } from '../core/ports.js';
import { htmlDocument } from './document.js';
import { html, type SafeHtml } from './html.js';

/** What every employee page knows about its visitor: language, time zone and how to switch language. */
export interface PageFrame {
  readonly locale: Locale;
  /** The zone dates are shown in (the TIME_ZONE setting). */
  readonly timeZone: string;
  /** The same page in the other language (a GET link; switching changes nothing). */
  readonly otherLanguageHref: string;
  /** The visitor picked the language with ?lang=: forms and links carry it, so the next page keeps it. */
  readonly languageChosen: boolean;
}

export interface RenderedPage {
  readonly status: number;
  readonly html: string;
  /** Load `url` again after `seconds`: sent as a Refresh header (the CSP allows no inline script). */
  readonly refresh?: { readonly seconds: number; readonly url: string };
}

export type PageTexts = Catalogue['pages'];

/** The page's texts in the visitor's language. */
export const textsFor = (frame: PageFrame): PageTexts => messagesFor(frame.locale).pages;

/** An employee page: the site's name and the language switch above, the footer below. */
export function employeeDocument(frame: PageFrame, title: string, body: SafeHtml): string {
  const p = textsFor(frame);
  const other: Locale = frame.locale === 'da' ? 'en' : 'da';
  return htmlDocument({
    lang: frame.locale,
    title: `${title} – ${p.siteName}`,
    heading: title,
    header: html`<span class="site-name">${p.siteName}</span>
      <a class="language" href="${frame.otherLanguageHref}" lang="${other}" hreflang="${other}"
        >${p.switchLanguage}</a
      >`,
    body,
    footer: html`<p>${p.footer}</p>`,
    withScript: true,
  }).value;
}

const hiddenField = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}" />`;

/** The hidden fields of every form: the CSRF token, and the language when the visitor picked it. */
export const formFields = (frame: PageFrame, csrf: string): SafeHtml =>
  html`${hiddenField('csrf', csrf)}${frame.languageChosen ? hiddenField('lang', frame.locale) : ''}`;

/** A GET link to one of the pages, keeping a picked language. */
export function pageHref(frame: PageFrame, path: string, query: Readonly<Record<string, string>> = {}): string {
  const params = new URLSearchParams(query);
  if (frame.languageChosen) params.set('lang', frame.locale);
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

/** An instant as the visitor reads it: their language, the service's time zone. */
export const when = (frame: PageFrame, instant: Date): string => formatDateTime(instant, frame.locale, frame.timeZone);

/** A policy duration in whole minutes, as the texts state it. */
export const minutes = (ms: number): number => Math.round(ms / 60_000);
