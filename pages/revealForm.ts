import { codeForm } from './codeForm.js';
import { formFields, textsFor, when, type PageFrame } from './frame.js';
import { html, type SafeHtml } from './html.js';
import type { Notice } from './notices.js';

/** What a page offering the reveal knows: the enrollment page once ready, and the reveal link's landing page. */
export interface RevealView extends PageFrame {
  readonly basePath: string;
  readonly csrf: string;
  readonly hasSession: boolean;
  readonly codeSent: boolean;
  readonly notice?: Notice;
  /** Until when the password can be shown. */
  readonly retrievalExpiresAt?: Date;
}

/** The password is ready: what to do, until when, and the reveal form. */
export function readyToReveal(view: RevealView): SafeHtml {
  const p = textsFor(view);
  return html`<p>${p.password.readyHelp}</p>
    ${
      view.retrievalExpiresAt === undefined
        ? ''
        : html`<p><strong>${p.password.revealDeadline(when(view, view.retrievalExpiresAt))}</strong></p>`
    }
    ${revealForm(view)}`;
}

/** With the session from verifying the contact, one button; without it, a code to the verified contact first. */
function revealForm(view: RevealView): SafeHtml {
  const p = textsFor(view);
  if (view.hasSession) {
    return html`<form method="post" action="${view.basePath}/reveal">
      ${formFields(view, view.csrf)}<button type="submit">${p.password.reveal}</button>
    </form>`;
  }
  return html`<p>${p.password.proveIt}</p>
    <form method="post" action="${view.basePath}/code">
      ${formFields(view, view.csrf)}<button type="submit" ${view.codeSent ? html`class="secondary"` : ''}>
        ${p.password.sendRevealCode}
      </button>
    </form>
    ${
      view.codeSent
        ? codeForm(view, view.csrf, {
            action: `${view.basePath}/reveal`,
            label: p.contact.codeLabel,
            submitLabel: p.password.reveal,
            notice: view.notice,
          })
        : ''
    }`;
}
