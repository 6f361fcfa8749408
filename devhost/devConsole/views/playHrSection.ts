import { randomInt } from 'node:crypto';
import { html, type SafeHtml } from '../../../pages/html.js';
import { isRecord } from '../../localHttp.js';
import type { ConsoleView, DemoEmployee } from './consoleView.js';
import { tableOrNote } from './tableOrNote.js';

/** A new made-up employee for the Play HR form: a random number keeps each start's ids apart. */
export function demoEmployee(): DemoEmployee {
  const number = randomInt(100_000, 1_000_000);
  return {
    employeeId: `E${number}`,
    userPrincipalName: `anna.jensen.${number}@contoso.example`,
    displayName: 'Anna Jensen',
    inviteEmail: 'anna.jensen@private.example',
    contactEmail: 'anna.jensen@private.example',
    contactPhone: '+4520123456',
    locale: 'da',
    deviceLabel: 'Outlook on iPhone',
  };
}

function textField(
  name: string,
  label: string,
  value: string,
  options: { type?: string; required?: boolean; hint?: string } = {},
): SafeHtml {
  const id = `hr-${name}`;
  return html`<label for="${id}">${label}${options.required === true ? '' : ' (optional)'}</label>
    ${options.hint === undefined ? '' : html`<span class="muted" id="${id}-hint">${options.hint}</span>`}
    <input
      id="${id}"
      name="${name}"
      type="${options.type ?? 'text'}"
      value="${value}"
      ${options.required === true ? html`required` : ''}
      ${options.hint === undefined ? '' : html`aria-describedby="${id}-hint"`}
    />`;
}

/** Starts an enrollment through the real HR API, and lists what the API answered to those started here. */
export function playHrSection(view: Pick<ConsoleView, 'demo' | 'callbacksVerifiable' | 'recentStarts'>): SafeHtml {
  const demo = view.demo;
  return html`<section class="step" aria-labelledby="play-hr">
    <h2 id="play-hr">Play HR</h2>
    <p>Starts an enrollment through the real HR API (<code>POST /api/enrollments</code>) with the function key.</p>
    <form method="post" action="/_dev/enrollments">
      ${textField('employeeId', 'Employee id', demo.employeeId, { required: true })}
      ${textField('userPrincipalName', 'User principal name', demo.userPrincipalName, {
        type: 'email',
        required: true,
      })}
      ${textField('displayName', 'Display name', demo.displayName, { required: true })}
      ${textField('inviteEmail', 'Invitation e-mail', demo.inviteEmail, { type: 'email', required: true })}
      ${textField('contactEmail', 'Contact e-mail', demo.contactEmail, { type: 'email' })}
      ${textField('contactPhone', 'Contact phone', demo.contactPhone, { type: 'tel', hint: 'E.164, e.g. +4520123456' })}
      <label for="hr-locale">Locale</label>
      <select id="hr-locale" name="locale">
        <option value="da" ${demo.locale === 'da' ? html`selected` : ''}>da – Danish</option>
        <option value="en" ${demo.locale === 'en' ? html`selected` : ''}>en – English</option>
      </select>
      ${textField('deviceLabel', 'Device label', demo.deviceLabel)}
      ${
        view.callbacksVerifiable
          ? html`<label for="hr-send-callbacks">
              <input id="hr-send-callbacks" name="sendCallbacks" type="checkbox" value="on" checked />
              Send stage events to this console
            </label>`
          : html`<p class="muted">
              Stage events (HR callbacks) are off: this runtime has no <code>CALLBACK_SIGNING_SECRET</code>.
            </p>`
      }
      <p><button type="submit">Start enrollment</button></p>
    </form>
    <h3>Started from this console</h3>
    ${tableOrNote(
      view.recentStarts,
      {
        empty: 'Nothing started yet.',
        caption: 'Newest first',
        columns: ['When', 'Employee', 'HTTP status', 'Response'],
      },
      (started) => {
        const id = isRecord(started.body) && typeof started.body['id'] === 'string' ? started.body['id'] : '';
        return html`<tr>
          <td><time datetime="${started.at}">${started.at}</time></td>
          <td>${started.employeeId}<br />${started.userPrincipalName}</td>
          <td>${started.status}</td>
          <td>
            ${id === '' ? '' : html`<a href="/_dev/instances/${encodeURIComponent(id)}">instance ${id}</a>`}
            <pre>${JSON.stringify(started.body, null, 2)}</pre>
          </td>
        </tr>`;
      },
    )}
  </section>`;
}
