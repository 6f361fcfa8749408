import { html, type SafeHtml } from '../../../pages/html.js';
import { callbackEventOf } from '../../callbackInbox.js';
import { callbackInboxPath } from '../dependencies.js';
import type { ConsoleView } from './consoleView.js';
import { tableOrNote } from './tableOrNote.js';

/** The stage events the app POSTed to the console, newest first, each with whether its signature verified. */
export function callbacksSection(view: Pick<ConsoleView, 'callbacks'>): SafeHtml {
  return html`<section class="step" aria-labelledby="callbacks">
    <h2 id="callbacks">Callbacks</h2>
    <p>
      The signed stage events (HR callbacks) the app POSTed to <code>${callbackInboxPath}</code>, each checked with this
      runtime's <code>CALLBACK_SIGNING_SECRET</code> as HR's receiver would. As JSON:
      <a href="/_dev/api/callbacks">/_dev/api/callbacks</a> (<code>?id=</code> for one enrollment).
    </p>
    ${tableOrNote(
      view.callbacks,
      {
        empty: 'No callbacks yet. Start an enrollment with "Send stage events to this console" ticked.',
        caption: 'Newest first; a retried event appears once per attempt',
        columns: ['Received', 'Stage', 'Enrollment', 'webhook-id', 'Signature'],
      },
      (entry) => {
        const { enrollmentId, stage } = callbackEventOf(entry);
        return html`<tr>
          <td><time datetime="${entry.receivedAt}">${entry.receivedAt}</time></td>
          <td>${stage ?? '–'}</td>
          <td>
            ${
              enrollmentId === undefined
                ? '–'
                : html`<a href="/_dev/instances/${encodeURIComponent(enrollmentId)}">${enrollmentId}</a>`
            }
          </td>
          <td><code>${entry.webhookId ?? '(none)'}</code></td>
          <td>
            ${entry.verified ? html`<span class="badge">signature verified</span>` : html`<strong>signature INVALID</strong>`}
          </td>
        </tr>`;
      },
    )}
  </section>`;
}
