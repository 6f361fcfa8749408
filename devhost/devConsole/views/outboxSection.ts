import { html, type SafeHtml } from '../../../pages/html.js';
import type { OutboxEntry } from '../outbox.js';
import type { ConsoleView } from './consoleView.js';

/** The mail and SMS the sinks accepted, newest first, with a filter by recipient and channel. */
export function outboxSection(view: Pick<ConsoleView, 'filter' | 'filterError' | 'messages'>): SafeHtml {
  return html`<section class="step" aria-labelledby="outbox">
    <h2 id="outbox">Outbox</h2>
    <form method="get" action="/_dev#outbox" role="search">
      <label for="outbox-to">Recipient contains</label>
      <input id="outbox-to" name="to" type="search" value="${view.filter.to}" />
      <label for="outbox-channel">Channel</label>
      <select id="outbox-channel" name="channel">
        <option value="" ${view.filter.channel === undefined ? html`selected` : ''}>E-mail and SMS</option>
        <option value="email" ${view.filter.channel === 'email' ? html`selected` : ''}>E-mail</option>
        <option value="sms" ${view.filter.channel === 'sms' ? html`selected` : ''}>SMS</option>
      </select>
      <p><button type="submit" class="secondary">Filter</button></p>
    </form>
    ${view.filterError === undefined ? '' : html`<p class="notice error" role="alert">${view.filterError}</p>`}
    ${
      view.messages.length === 0
        ? html`<p class="muted">No messages.</p>`
        : html`<p class="muted">${view.messages.length} message(s), newest first.</p>
            ${view.messages.map(messageBlock)}`
    }
  </section>`;
}

function messageBlock(message: OutboxEntry): SafeHtml {
  const heading = message.channel === 'sms' ? `SMS to ${message.to.join(', ')}` : message.subject || '(no subject)';
  return html`<article class="message">
    <h3>${heading}</h3>
    <dl>
      <dt>Channel</dt>
      <dd>${message.channel === 'sms' ? 'SMS' : 'E-mail'}</dd>
      <dt>To</dt>
      <dd>${message.to.join(', ')}</dd>
      ${
        message.channel === 'email'
          ? html`<dt>Subject</dt>
              <dd>${message.subject}</dd>`
          : ''
      }
      <dt>Received</dt>
      <dd><time datetime="${message.receivedAt}">${message.receivedAt}</time></dd>
      <dt>Message id</dt>
      <dd><code>${message.id}</code></dd>
    </dl>
    ${
      message.links.length === 0
        ? ''
        : html`<p>Links:</p>
            <ul>
              ${message.links.map(
                (link) =>
                  html`<li>${isWebLink(link) ? html`<a href="${link}" rel="noreferrer">${link}</a>` : link}</li>`,
              )}
            </ul>`
    }
    <pre>${message.text}</pre>
  </article>`;
}

function isWebLink(link: string): boolean {
  try {
    const { protocol } = new URL(link);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
