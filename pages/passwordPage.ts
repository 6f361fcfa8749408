import { setupGuides, type GuideField, type MailClient, type MailServers } from '../core/mailClients.js';
import { employeeDocument, textsFor, type PageFrame, type PageTexts, type RenderedPage } from './frame.js';
import { html, type SafeHtml } from './html.js';

export interface PasswordView extends PageFrame {
  readonly password: string;
  readonly userPrincipalName: string;
  /** The mail app whose guide opens first (detectMailClient on the request's User-Agent). */
  readonly mailClient: MailClient;
  /** From MAIL_IMAP_SERVER and MAIL_SMTP_SERVER; the guides say to ask IT for the ones that are not set. */
  readonly servers: MailServers;
}

/**
 * The one view of the password. Grouped visually in fours; the element's text is the password itself. Below it, a
 * set-up guide per mail app as <details> (no script needed), the one for this device open.
 */
export function passwordPage(view: PasswordView): RenderedPage {
  const p = textsFor(view);
  const groups = view.password.match(/.{1,4}/g) ?? [];
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
      ${mailAppGuides(p, view)}
    </section>`;
  return { status: 200, html: employeeDocument(view, p.password.heading, body) };
}

function mailAppGuides(p: PageTexts, view: PasswordView): SafeHtml[] {
  return setupGuides(p.guides, view.userPrincipalName, view.servers, view.mailClient).map(
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
