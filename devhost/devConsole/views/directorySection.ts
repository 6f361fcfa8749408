import { html, type SafeHtml } from '../../../pages/html.js';
import type { ConsoleView } from './consoleView.js';
import { tableOrNote } from './tableOrNote.js';

/** Flips MFA in the local directory, and lists the users started or changed here with a button to flip each. */
export function directorySection(view: Pick<ConsoleView, 'directory'>): SafeHtml {
  return html`<section class="step" aria-labelledby="directory">
    <h2 id="directory">Directory</h2>
    <p>Sets whether a user has registered MFA in the local directory (what Microsoft Graph would report).</p>
    <form method="post" action="/_dev/directory">
      <label for="directory-upn">User principal name</label>
      <input id="directory-upn" name="upn" type="email" required />
      <label for="directory-registered">MFA</label>
      <select id="directory-registered" name="registered">
        <option value="true">Registered</option>
        <option value="false">Not registered</option>
      </select>
      <p><button type="submit">Set MFA</button></p>
    </form>
    ${tableOrNote(
      view.directory,
      {
        empty: 'Users of enrollments started here, and users whose MFA you set, appear here.',
        caption: 'Users this console started or changed, most recent first',
        columns: ['User principal name', 'MFA', 'Change'],
      },
      (entry) =>
        html`<tr>
          <td>${entry.upn}</td>
          <td>${entry.registered ? 'Registered' : 'Not registered'}</td>
          <td>
            <form method="post" action="/_dev/directory">
              <input type="hidden" name="upn" value="${entry.upn}" />
              <input type="hidden" name="registered" value="${entry.registered ? 'false' : 'true'}" />
              <button
                type="submit"
                class="secondary"
                aria-label="${`${entry.registered ? 'Remove MFA for' : 'Register MFA for'} ${entry.upn}`}"
              >
                ${entry.registered ? 'Remove MFA' : 'Register MFA'}
              </button>
            </form>
          </td>
        </tr>`,
    )}
  </section>`;
}
