import { messagesFor } from '../core/i18n/index.js';
import type { Locale } from '../core/ports.js';
import type { Stage } from '../core/stages.js';
import { html, type SafeHtml } from './html.js';

export interface PageFrame {
  readonly locale: Locale;
  /** The same page in the other language (a GET link; switching changes nothing). */
  readonly otherLanguageHref: string;
}

export interface RenderedPage {
  readonly status: number;
  readonly html: string;
}

export type Notice = { readonly kind: 'error' | 'info'; readonly text: string };

function layout(frame: PageFrame, title: string, body: SafeHtml, options: { refreshSeconds?: number } = {}): string {
  const p = messagesFor(frame.locale).pages;
  return html`<!doctype html>
    <html lang="${frame.locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        ${options.refreshSeconds === undefined ? '' : html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />`}
        <title>${title} – ${p.siteName}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/app.js" defer></script>
      </head>
      <body>
        <header>
          <span>${p.siteName}</span
          ><a href="${frame.otherLanguageHref}" lang="${frame.locale === 'da' ? 'en' : 'da'}">${p.switchLanguage}</a>
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html> `.value;
}

const noticeBlock = (notice: Notice | undefined) =>
  notice === undefined
    ? ''
    : html`<p class="notice ${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}">${notice.text}</p>`;

/** The form that takes a 6-digit code: the one-time-code autocomplete lets phones offer the code from the SMS. */
function codeForm(action: string, csrf: string, label: string, submitLabel: string): SafeHtml {
  return html`<form method="post" action="${action}">
    ${hidden('csrf', csrf)}
    <label for="code">${label}</label>
    <input
      type="text"
      id="code"
      name="code"
      inputmode="numeric"
      autocomplete="one-time-code"
      pattern="[0-9]{6}"
      maxlength="6"
      required
    />
    <button type="submit">${submitLabel}</button>
  </form>`;
}

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}" />`;

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
}

/** /e/{token}: where the employee stands and the next step's form. */
export function enrollmentPage(view: EnrollmentView): RenderedPage {
  const p = messagesFor(view.locale).pages;
  const status = (done: boolean) =>
    html`<p class="status${done ? ' done' : ''}">${done ? p.stepDone : p.stepPending}</p>`;
  const mfa = html`<section class="step" aria-labelledby="step-mfa">
    <h2 id="step-mfa">${p.mfa.title}</h2>
    ${status(view.mfaRegistered)}
    ${
      view.mfaRegistered
        ? ''
        : html`<p>${p.mfa.help}</p>
            <p>
              <a class="button secondary" href="${view.mfaSetupUrl}" target="_blank" rel="noopener noreferrer"
                >${p.mfa.openSetup}</a
              >
            </p>
            <form method="post" action="${view.basePath}/mfa">
              ${hidden('csrf', view.csrf)}<button type="submit">${p.mfa.confirm}</button>
            </form>`
    }
  </section>`;

  const channelButtons = [
    view.channels.email === undefined
      ? ''
      : html`<button type="submit" name="channel" value="email" ${view.codeSent ? html` class="secondary"` : ''}>
          ${p.contact.sendByEmail(view.channels.email)}
        </button>`,
    view.channels.sms === undefined
      ? ''
      : html`<button type="submit" name="channel" value="sms" class="secondary">
          ${p.contact.sendBySms(view.channels.sms)}
        </button>`,
  ];
  const contact = html`<section class="step" aria-labelledby="step-contact">
    <h2 id="step-contact">${p.contact.title}</h2>
    ${status(view.contactVerified)}
    ${
      view.contactVerified
        ? ''
        : html`<p>${p.contact.help}</p>
            <form method="post" action="${view.basePath}/contact/send">
              ${hidden('csrf', view.csrf)}${channelButtons}
            </form>
            ${
              view.codeSent
                ? codeForm(`${view.basePath}/contact/verify`, view.csrf, p.contact.codeLabel, p.contact.verify)
                : ''
            }`
    }
  </section>`;

  const ready = view.stage === 'ready';
  const password = html`<section class="step" aria-labelledby="step-password">
    <h2 id="step-password">${p.password.title}</h2>
    ${
      ready
        ? html`<p>${p.password.readyHelp}</p>
            ${revealForm(view, view.basePath)}`
        : view.stage === 'issuing'
          ? html`<p>${p.password.waiting}</p>`
          : html`<p class="muted">${p.stepPending}</p>`
    }
  </section>`;

  const body = html`<p>${p.enrollIntro(view.displayName)}</p>
    ${noticeBlock(view.notice)}${mfa}${contact}${password}`;
  return {
    status: 200,
    html: layout(view, p.enrollTitle, body, view.stage === 'issuing' ? { refreshSeconds: 5 } : {}),
  };
}

interface RevealFormView extends PageFrame {
  readonly csrf: string;
  readonly hasSession: boolean;
  readonly codeSent: boolean;
}

function revealForm(view: RevealFormView, basePath: string): SafeHtml {
  const p = messagesFor(view.locale).pages;
  if (view.hasSession) {
    return html`<form method="post" action="${basePath}/reveal">
      ${hidden('csrf', view.csrf)}<button type="submit">${p.password.reveal}</button>
    </form>`;
  }
  return html`<p>${p.password.proveIt}</p>
    <form method="post" action="${basePath}/code">
      ${hidden('csrf', view.csrf)}<button type="submit" ${view.codeSent ? html` class="secondary"` : ''}>
        ${p.password.sendRevealCode}
      </button>
    </form>
    ${view.codeSent ? codeForm(`${basePath}/reveal`, view.csrf, p.contact.codeLabel, p.password.reveal) : ''}`;
}

export interface RevealView extends RevealFormView {
  readonly basePath: string;
  readonly notice?: Notice;
}

/** /r/{token}: a harmless page; the reveal itself is a POST with CSRF and proof. */
export function revealLandingPage(view: RevealView): RenderedPage {
  const p = messagesFor(view.locale).pages;
  const body = html`${noticeBlock(view.notice)}
    <p>${p.password.readyHelp}</p>
    ${revealForm(view, view.basePath)}`;
  return { status: 200, html: layout(view, p.password.heading, body) };
}

export interface PasswordView extends PageFrame {
  readonly password: string;
  readonly userPrincipalName: string;
}

/** The one view of the password. Grouped visually in fours; the element's text is the password itself. */
export function passwordPage(view: PasswordView): RenderedPage {
  const p = messagesFor(view.locale).pages;
  const groups = view.password.match(/.{1,4}/g) ?? [];
  const body = html`<p><strong>${p.password.shownOnce}</strong></p>
    <p>${p.password.userNameLabel}: <code>${view.userPrincipalName}</code></p>
    <p><code id="app-password" class="password">${groups.map((group) => html`<span>${group}</span>`)}</code></p>
    <p>
      <button type="button" data-copy="app-password" data-copied="${p.password.copied}">${p.password.copy}</button>
      <span id="copy-status" role="status" aria-live="polite"></span>
    </p>
    <p>${p.password.noNeedToRemember}</p>`;
  return { status: 200, html: layout(view, p.password.heading, body) };
}

export type MessageKind = 'alreadyShown' | 'expired' | 'cancelled' | 'failed' | 'invalid' | 'forbidden' | 'error';

const messageStatus: Readonly<Record<MessageKind, number>> = {
  alreadyShown: 410,
  expired: 410,
  cancelled: 410,
  failed: 410,
  invalid: 404,
  forbidden: 403,
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
    error: [m.errorTitle, m.error],
  };
  const [title, text] = titles[kind];
  return { status: messageStatus[kind], html: layout(frame, title, html`<p>${text}</p>`) };
}
