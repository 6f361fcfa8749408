import type { Catalogue } from '../core/i18n/catalogue.js';
import { formatDateTime, messagesFor } from '../core/i18n/index.js';
import { setupGuides, type GuideField, type MailClient, type MailServers } from '../core/mailClients.js';
import { codePolicy } from '../core/oneTimeCode.js';
import type { Locale } from '../core/ports.js';
import type { Stage } from '../core/stages.js';
import { html, type SafeHtml } from './html.js';

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

/** Something to tell the employee about their last action; the page words it in their language. */
export type Notice =
  | { readonly kind: 'mfaNotYet' | 'codeExpired' | 'tooManyAttempts' | 'tooManyCodes' | 'sendFailed' }
  | { readonly kind: 'wrongCode'; readonly attemptsLeft: number };

type PageTexts = Catalogue['pages'];

/** Seconds between reloads while the password is being created. */
export const waitingRefreshSeconds = 5;

const minutes = (ms: number) => Math.round(ms / 60_000);

function layout(frame: PageFrame, title: string, body: SafeHtml): string {
  const p = messagesFor(frame.locale).pages;
  const other: Locale = frame.locale === 'da' ? 'en' : 'da';
  return html`<!doctype html>
    <html lang="${frame.locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} – ${p.siteName}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/app.js" defer></script>
      </head>
      <body>
        <header>
          <span class="site-name">${p.siteName}</span>
          <a class="language" href="${frame.otherLanguageHref}" lang="${other}" hreflang="${other}"
            >${p.switchLanguage}</a
          >
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
        <footer>
          <p>${p.footer}</p>
        </footer>
      </body>
    </html> `.value;
}

const hiddenField = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}" />`;

/** The hidden fields of every form: the CSRF token, and the language when the visitor picked it. */
const formFields = (frame: PageFrame, csrf: string) =>
  html`${hiddenField('csrf', csrf)}${frame.languageChosen ? hiddenField('lang', frame.locale) : ''}`;

/** A GET link to one of the pages, keeping a picked language. */
function pageHref(frame: PageFrame, path: string, query: Readonly<Record<string, string>> = {}): string {
  const params = new URLSearchParams(query);
  if (frame.languageChosen) params.set('lang', frame.locale);
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

const when = (frame: PageFrame, instant: Date) => formatDateTime(instant, frame.locale, frame.timeZone);

function noticeText(p: PageTexts, notice: Notice): string {
  switch (notice.kind) {
    case 'mfaNotYet':
      return p.mfa.notYet;
    case 'wrongCode':
      return p.contact.wrongCode(notice.attemptsLeft);
    case 'codeExpired':
      return p.contact.codeExpired;
    case 'tooManyAttempts':
      return p.contact.tooManyAttempts;
    case 'tooManyCodes':
      return p.contact.tooManyCodes(minutes(codePolicy.sendWindowMs));
    case 'sendFailed':
      return p.contact.sendFailed;
  }
}

/** Every notice reports something that went wrong: an alert, read out as soon as the page loads. */
const noticeBlock = (p: PageTexts, notice: Notice | undefined) =>
  notice === undefined ? '' : html`<p class="notice error" id="notice" role="alert">${noticeText(p, notice)}</p>`;

/** Notices about the code just typed: the code field points at them. */
const isAboutTheCode = (notice: Notice | undefined) => notice?.kind === 'wrongCode' || notice?.kind === 'codeExpired';

interface CodeFormOptions {
  readonly action: string;
  readonly label: string;
  readonly submitLabel: string;
  readonly notice: Notice | undefined;
}

/** The form that takes a 6-digit code: the one-time-code autocomplete lets phones offer the code from the SMS. */
function codeForm(frame: PageFrame, csrf: string, options: CodeFormOptions): SafeHtml {
  const p = messagesFor(frame.locale).pages;
  const invalid = isAboutTheCode(options.notice);
  return html`<p class="notice info" role="status">${p.contact.codeSent(minutes(codePolicy.validForMs))}</p>
    <form method="post" action="${options.action}" class="code-form">
      ${formFields(frame, csrf)}
      <label for="code">${options.label}</label>
      <input
        type="text"
        id="code"
        name="code"
        class="code"
        inputmode="numeric"
        autocomplete="one-time-code"
        pattern="[0-9]{6}"
        maxlength="6"
        spellcheck="false"
        required
        ${invalid ? html`aria-invalid="true" aria-describedby="notice"` : ''}
      />
      <button type="submit">${options.submitLabel}</button>
    </form>`;
}

const stepStatus = (p: PageTexts, done: boolean) =>
  html`<p class="status${done ? ' done' : ''}">${done ? p.stepDone : p.stepPending}</p>`;

export interface EnrollmentView extends PageFrame {
  readonly basePath: string;
  readonly displayName: string;
  readonly stage: Stage;
  readonly mfaRegistered: boolean;
  readonly contactVerified: boolean;
  readonly mfaSetupUrl: string;
  readonly csrf: string;
  readonly channels: { readonly email?: string; readonly sms?: string };
  readonly codeSent: boolean;
  readonly hasSession: boolean;
  readonly notice?: Notice;
  /** Until when the invitation link works: shown until the password is ready. */
  readonly invitationExpiresAt?: Date;
  /** Until when the password can be shown: shown once it is ready. */
  readonly retrievalExpiresAt?: Date;
  /** False after the employee asked the waiting page to stop reloading itself. */
  readonly autoRefresh: boolean;
}

/** /e/{token}: where the employee stands, and the next step's form. */
export function enrollmentPage(view: EnrollmentView): RenderedPage {
  const p = messagesFor(view.locale).pages;
  const ready = view.stage === 'ready';
  // Both facts are in, but the orchestration has not reported the password yet: it is being created.
  const waiting = !ready && (view.stage === 'issuing' || (view.mfaRegistered && view.contactVerified));

  const mfa = html`<section class="step" aria-labelledby="step-mfa">
    <h2 id="step-mfa">${p.mfa.title}</h2>
    ${stepStatus(p, view.mfaRegistered)}
    ${
      view.mfaRegistered
        ? ''
        : html`<p>${p.mfa.help}</p>
            <p>
              <a class="button secondary" href="${view.mfaSetupUrl}" target="_blank" rel="noopener noreferrer"
                >${p.mfa.openSetup} <span class="visually-hidden">${p.opensInNewTab}</span></a
              >
            </p>
            <form method="post" action="${view.basePath}/mfa">
              ${formFields(view, view.csrf)}<button type="submit">${p.mfa.confirm}</button>
            </form>`
    }
  </section>`;

  // The first way to get a code is the main button until a code is on its way; then the code form's button is.
  const channels = [
    ...(view.channels.email === undefined
      ? []
      : [{ value: 'email', label: p.contact.sendByEmail(view.channels.email) }]),
    ...(view.channels.sms === undefined ? [] : [{ value: 'sms', label: p.contact.sendBySms(view.channels.sms) }]),
  ];
  const channelButtons = channels.map(
    (channel, index) =>
      html`<button
        type="submit"
        name="channel"
        value="${channel.value}"
        ${index > 0 || view.codeSent ? html`class="secondary"` : ''}
      >
        ${channel.label}
      </button>`,
  );
  const contact = html`<section class="step" aria-labelledby="step-contact">
    <h2 id="step-contact">${p.contact.title}</h2>
    ${stepStatus(p, view.contactVerified)}
    ${
      view.contactVerified
        ? ''
        : html`<p>${p.contact.help}</p>
            <form method="post" action="${view.basePath}/contact/send">
              ${formFields(view, view.csrf)}${channelButtons}
            </form>
            ${
              view.codeSent
                ? codeForm(view, view.csrf, {
                    action: `${view.basePath}/contact/verify`,
                    label: p.contact.codeLabel,
                    submitLabel: p.contact.verify,
                    notice: view.notice,
                  })
                : ''
            }`
    }
  </section>`;

  const home = pageHref(view, view.basePath);
  const password = html`<section class="step" aria-labelledby="step-password">
    <h2 id="step-password">${p.password.title}</h2>
    ${stepStatus(p, false)}
    ${
      ready
        ? html`<p>${p.password.readyHelp}</p>
            ${
              view.retrievalExpiresAt === undefined
                ? ''
                : html`<p><strong>${p.password.revealDeadline(when(view, view.retrievalExpiresAt))}</strong></p>`
            }
            ${revealForm(view, view.basePath, view.notice)}`
        : waiting
          ? html`<p>${p.password.waiting}</p>
              ${
                view.autoRefresh
                  ? html`<p>
                      ${p.password.autoRefresh(waitingRefreshSeconds)}
                      <a href="${pageHref(view, view.basePath, { refresh: 'off' })}">${p.password.stopRefresh}</a>
                    </p>`
                  : ''
              }
              <p><a class="button secondary" href="${home}">${p.password.checkNow}</a></p>`
          : html`<p class="muted">${p.password.afterSteps}</p>`
    }
  </section>`;

  // Once both steps are done the invitation deadline no longer matters; once ready, the retrieval deadline does.
  const deadline =
    ready || waiting || view.invitationExpiresAt === undefined
      ? ''
      : html`<p>${p.enrollDeadline(when(view, view.invitationExpiresAt))}</p>`;
  const body = html`<p>${p.enrollIntro(view.displayName)}</p>
    ${deadline}${noticeBlock(p, view.notice)}${mfa}${contact}${password}`;
  return {
    status: 200,
    html: layout(view, p.enrollTitle, body),
    ...(waiting && view.autoRefresh ? { refresh: { seconds: waitingRefreshSeconds, url: home } } : {}),
  };
}

interface RevealFormView extends PageFrame {
  readonly csrf: string;
  readonly hasSession: boolean;
  readonly codeSent: boolean;
}

/** With the session from verifying the contact, one button; without it, a code to the verified contact first. */
function revealForm(view: RevealFormView, basePath: string, notice: Notice | undefined): SafeHtml {
  const p = messagesFor(view.locale).pages;
  if (view.hasSession) {
    return html`<form method="post" action="${basePath}/reveal">
      ${formFields(view, view.csrf)}<button type="submit">${p.password.reveal}</button>
    </form>`;
  }
  return html`<p>${p.password.proveIt}</p>
    <form method="post" action="${basePath}/code">
      ${formFields(view, view.csrf)}<button type="submit" ${view.codeSent ? html`class="secondary"` : ''}>
        ${p.password.sendRevealCode}
      </button>
    </form>
    ${
      view.codeSent
        ? codeForm(view, view.csrf, {
            action: `${basePath}/reveal`,
            label: p.contact.codeLabel,
            submitLabel: p.password.reveal,
            notice,
          })
        : ''
    }`;
}

export interface RevealView extends RevealFormView {
  readonly basePath: string;
  readonly notice?: Notice;
  readonly retrievalExpiresAt?: Date;
}

/** /r/{token}: a harmless page; the reveal itself is a POST with CSRF and proof. */
export function revealLandingPage(view: RevealView): RenderedPage {
  const p = messagesFor(view.locale).pages;
  const body = html`${noticeBlock(p, view.notice)}
    <p>${p.password.readyHelp}</p>
    ${
      view.retrievalExpiresAt === undefined
        ? ''
        : html`<p><strong>${p.password.revealDeadline(when(view, view.retrievalExpiresAt))}</strong></p>`
    }
    ${revealForm(view, view.basePath, view.notice)}`;
  return { status: 200, html: layout(view, p.password.heading, body) };
}

export interface PasswordView extends PageFrame {
  readonly password: string;
  readonly userPrincipalName: string;
  /** The mail app whose guide opens first (detectMailClient on the request's User-Agent). */
  readonly mailClient: MailClient;
  /** From MAIL_IMAP_SERVER and MAIL_SMTP_SERVER; the guides say to ask IT for the ones that are not set. */
  readonly servers: MailServers;
}

const fieldList = (fields: readonly GuideField[]) =>
  fields.length === 0
    ? ''
    : html`<dl class="fields">
        ${fields.map(
          (field) =>
            html`<div>
              <dt>${field.label}</dt>
              <dd>${field.literal ? html`<code>${field.value}</code>` : field.value}</dd>
            </div>`,
        )}
      </dl>`;

/**
 * The one view of the password. Grouped visually in fours; the element's text is the password itself. Below it, a
 * set-up guide per mail app as <details> (no script needed), the one for this device open.
 */
export function passwordPage(view: PasswordView): RenderedPage {
  const p = messagesFor(view.locale).pages;
  const groups = view.password.match(/.{1,4}/g) ?? [];
  const guides = setupGuides(p.guides, view.userPrincipalName, view.servers, view.mailClient).map(
    (guide) =>
      html`<details class="guide" id="guide-${guide.client}" ${guide.suggested ? html`open` : ''}>
        <summary>
          ${guide.title}${guide.suggested ? html` <span class="badge">${p.guides.suggested}</span>` : ''}
        </summary>
        <ol>
          ${guide.steps.map((step) => html`<li>${step.text}${fieldList(step.fields)}</li>`)}
        </ol>
      </details>`,
  );
  const body = html`<p class="notice warning"><strong>${p.password.shownOnce}</strong></p>
    <dl class="credentials">
      <div>
        <dt>${p.password.userNameLabel}</dt>
        <dd><code>${view.userPrincipalName}</code></dd>
      </div>
      <div>
        <dt>${p.password.passwordLabel}</dt>
        <dd>
          <code id="app-password" class="password">${groups.map((group) => html`<span>${group}</span>`)}</code>
        </dd>
      </div>
    </dl>
    <p class="copy">
      <button type="button" data-copy="app-password" data-copied="${p.password.copied}" hidden>
        ${p.password.copy}
      </button>
      <span id="copy-status" role="status" aria-live="polite"></span>
    </p>
    <p>${p.password.noNeedToRemember}</p>
    <section class="guides" aria-labelledby="guides-heading">
      <h2 id="guides-heading">${p.guides.heading}</h2>
      <p>${p.guides.intro}</p>
      ${guides}
    </section>`;
  return { status: 200, html: layout(view, p.password.heading, body) };
}

export type MessageKind =
  'alreadyShown' | 'expired' | 'cancelled' | 'failed' | 'invalid' | 'forbidden' | 'tooManyRequests' | 'error';

const messageStatus: Readonly<Record<MessageKind, number>> = {
  alreadyShown: 410,
  expired: 410,
  cancelled: 410,
  failed: 410,
  invalid: 404,
  forbidden: 403,
  tooManyRequests: 429,
  error: 500,
};

/** A page that only says something: already shown, expired, invalid link, and so on. */
export function messagePage(frame: PageFrame, kind: MessageKind): RenderedPage {
  const m = messagesFor(frame.locale).pages.messages;
  const titles: Readonly<Record<MessageKind, [string, string]>> = {
    alreadyShown: [m.alreadyShownTitle, m.alreadyShown],
    expired: [m.expiredTitle, m.expired],
    cancelled: [m.cancelledTitle, m.cancelled],
    failed: [m.failedTitle, m.failed],
    invalid: [m.invalidTitle, m.invalid],
    forbidden: [m.forbiddenTitle, m.forbidden],
    tooManyRequests: [m.tooManyRequestsTitle, m.tooManyRequests],
    error: [m.errorTitle, m.error],
  };
  const [title, text] = titles[kind];
  return { status: messageStatus[kind], html: layout(frame, title, html`<p>${text}</p>`) };
}
