import type { Stage } from '../core/stages.js';
import { codeForm } from './codeForm.js';
import { employeeDocument, formFields, pageHref, textsFor, when, type PageTexts, type RenderedPage } from './frame.js';
import { html, type SafeHtml } from './html.js';
import { noticeBlock } from './notices.js';
import { readyToReveal, type RevealView } from './revealForm.js';

export interface EnrollmentView extends RevealView {
  readonly displayName: string;
  readonly stage: Stage;
  readonly mfaRegistered: boolean;
  readonly contactVerified: boolean;
  readonly mfaSetupUrl: string;
  readonly channels: { readonly email?: string; readonly sms?: string };
  /** Until when the invitation link works: shown until the password is ready. */
  readonly invitationExpiresAt?: Date;
  /** False after the employee asked the waiting page to stop reloading itself. */
  readonly autoRefresh: boolean;
}

/** Seconds between reloads while the password is being created. */
const waitingRefreshSeconds = 5;

/** /e/{token}: where the employee stands, and the next step's form. */
export function enrollmentPage(view: EnrollmentView): RenderedPage {
  const p = textsFor(view);
  const ready = view.stage === 'ready';
  // Both facts are in, but the orchestration has not reported the password yet: it is being created.
  const waiting = !ready && (view.stage === 'issuing' || (view.mfaRegistered && view.contactVerified));
  // Once both steps are done the invitation deadline no longer matters; once ready, the retrieval deadline does.
  const deadline =
    ready || waiting || view.invitationExpiresAt === undefined
      ? ''
      : html`<p>${p.enrollDeadline(when(view, view.invitationExpiresAt))}</p>`;
  const body = html`<p>${p.enrollIntro(view.displayName)}</p>
    ${deadline}${noticeBlock(p, view.notice)}${mfaStep(view)}${contactStep(view)}${passwordStep(view, ready, waiting)}`;
  return {
    status: 200,
    html: employeeDocument(view, p.enrollTitle, body),
    ...(waiting && view.autoRefresh
      ? { refresh: { seconds: waitingRefreshSeconds, url: pageHref(view, view.basePath) } }
      : {}),
  };
}

/** One of the three steps: its heading, whether it is done, then what is left to do. */
function stepSection(p: PageTexts, id: string, title: string, done: boolean, todo: SafeHtml | string): SafeHtml {
  return html`<section class="step" aria-labelledby="${id}">
    <h2 id="${id}">${title}</h2>
    <p class="status${done ? ' done' : ''}">${done ? p.stepDone : p.stepPending}</p>
    ${todo}
  </section>`;
}

/** Step 1: register MFA in Microsoft's own page, then say so. */
function mfaStep(view: EnrollmentView): SafeHtml {
  const p = textsFor(view);
  if (view.mfaRegistered) return stepSection(p, 'step-mfa', p.mfa.title, true, '');
  return stepSection(
    p,
    'step-mfa',
    p.mfa.title,
    false,
    html`<p>${p.mfa.help}</p>
      <p>
        <a class="button secondary" href="${view.mfaSetupUrl}" target="_blank" rel="noopener noreferrer"
          >${p.mfa.openSetup} <span class="visually-hidden">${p.opensInNewTab}</span></a
        >
      </p>
      <form method="post" action="${view.basePath}/mfa">
        ${formFields(view, view.csrf)}<button type="submit">${p.mfa.confirm}</button>
      </form>`,
  );
}

/** Step 2: a code to the alternate contact, by each channel HR gave, and the form to type it. */
function contactStep(view: EnrollmentView): SafeHtml {
  const p = textsFor(view);
  if (view.contactVerified) return stepSection(p, 'step-contact', p.contact.title, true, '');
  return stepSection(
    p,
    'step-contact',
    p.contact.title,
    false,
    html`<p>${p.contact.help}</p>
      <form method="post" action="${view.basePath}/contact/send">
        ${formFields(view, view.csrf)}${channelButtons(view)}
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
      }`,
  );
}

/** The first way to get a code is the main button until a code is on its way; then the code form's button is. */
function channelButtons(view: EnrollmentView): SafeHtml[] {
  const p = textsFor(view);
  const channels = [
    ...(view.channels.email === undefined
      ? []
      : [{ value: 'email', label: p.contact.sendByEmail(view.channels.email) }]),
    ...(view.channels.sms === undefined ? [] : [{ value: 'sms', label: p.contact.sendBySms(view.channels.sms) }]),
  ];
  return channels.map(
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
}

/** Step 3: the password, once ready; while it is created, a page that reloads itself until the visitor stops it. */
function passwordStep(view: EnrollmentView, ready: boolean, waiting: boolean): SafeHtml {
  const p = textsFor(view);
  const todo = ready
    ? readyToReveal(view)
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
          <p><a class="button secondary" href="${pageHref(view, view.basePath)}">${p.password.checkNow}</a></p>`
      : html`<p class="muted">${p.password.afterSteps}</p>`;
  return stepSection(p, 'step-password', p.password.title, false, todo);
}
