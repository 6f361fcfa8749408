import { html, type SafeHtml } from '../../../pages/html.js';
import type { ConsoleView } from './consoleView.js';
import { tableOrNote } from './tableOrNote.js';

/** The orchestration instances, newest first, each linking to its page. */
export function instancesSection({ instances }: Pick<ConsoleView, 'instances'>): SafeHtml {
  return html`<section class="step" aria-labelledby="instances">
    <h2 id="instances">Instances</h2>
    ${tableOrNote(
      instances,
      {
        empty: 'No orchestration instances.',
        caption: 'Newest first',
        columns: ['Instance id', 'Stage', 'Runtime status', 'Created', 'Updated'],
      },
      (instance) =>
        html`<tr>
          <td>
            <a href="/_dev/instances/${encodeURIComponent(instance.instanceId)}">${instance.instanceId}</a>
          </td>
          <td>${instance.stage ?? '–'}</td>
          <td>${instance.runtimeStatus}</td>
          <td><time datetime="${instance.createdTime}">${instance.createdTime}</time></td>
          <td><time datetime="${instance.lastUpdatedTime}">${instance.lastUpdatedTime}</time></td>
        </tr>`,
    )}
  </section>`;
}
