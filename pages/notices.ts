import { codePolicy } from '../core/oneTimeCode.js';
import { minutes, type PageTexts } from './frame.js';
import { html, type SafeHtml } from './html.js';

/** Something to tell the employee about their last action; the page words it in their language. */
export type Notice =
  | { readonly kind: 'mfaNotYet' | 'codeExpired' | 'tooManyAttempts' | 'tooManyCodes' | 'sendFailed' }
  | { readonly kind: 'wrongCode'; readonly attemptsLeft: number };

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
export const noticeBlock = (p: PageTexts, notice: Notice | undefined): SafeHtml | '' =>
  notice === undefined ? '' : html`<p class="notice error" id="notice" role="alert">${noticeText(p, notice)}</p>`;

/** Notices about the code just typed: the code field points at them. */
export const isAboutTheCode = (notice: Notice | undefined): boolean =>
  notice?.kind === 'wrongCode' || notice?.kind === 'codeExpired';
