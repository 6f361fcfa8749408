import { employeeDocument, textsFor, type PageFrame, type RenderedPage } from './frame.js';
import { html } from './html.js';

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
  const m = textsFor(frame).messages;
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
  return { status: messageStatus[kind], html: employeeDocument(frame, title, html`<p>${text}</p>`) };
}
