import { employeeDocument, textsFor, type RenderedPage } from './frame.js';
import { html } from './html.js';
import { noticeBlock } from './notices.js';
import { readyToReveal, type RevealView } from './revealForm.js';

export type { RevealView } from './revealForm.js';

/** /r/{token}: a harmless page; the reveal itself is a POST with CSRF and proof. */
export function revealLandingPage(view: RevealView): RenderedPage {
  const p = textsFor(view);
  const body = html`${noticeBlock(p, view.notice)} ${readyToReveal(view)}`;
  return { status: 200, html: employeeDocument(view, p.password.heading, body) };
}
