import { html, type SafeHtml } from '../../../pages/html.js';
import { reloadSeconds } from '../onItsWay.js';
import { callbacksSection } from './callbacksSection.js';
import type { ConsoleView } from './consoleView.js';
import { directorySection } from './directorySection.js';
import { instancesSection } from './instancesSection.js';
import { consoleDocument } from './layout.js';
import { outboxSection } from './outboxSection.js';
import { playHrSection } from './playHrSection.js';

/** The console's home page: a notice of what is on its way, then one section per stand-in, in the nav's order. */
export function consolePage(view: ConsoleView): SafeHtml {
  return consoleDocument(
    'Dev console',
    html`<p class="muted">
        Local only. Everything here talks to the local runtime's stand-ins; reload the page to see new mail and
        progress.
      </p>
      ${onItsWayNotice(view)} ${playHrSection(view)} ${outboxSection(view)} ${callbacksSection(view)}
      ${directorySection(view)} ${instancesSection(view)}`,
  );
}

function onItsWayNotice(view: ConsoleView): SafeHtml {
  if (view.onItsWay.length === 0) return html``;
  return html`<div class="notice info" role="status">
    <p>
      On its way: ${view.onItsWay.join('; ')}. The local runtime polls its queues as Azure does, so each step can take
      up to <code>maxQueuePollingInterval</code> (10 s in <code>host.json</code>) when it has been idle.
    </p>
    <p>
      ${
        view.reloading
          ? html`This page reloads itself every ${reloadSeconds} s until it arrives.
              <a href="/_dev?refresh=off">Stop reloading</a>`
          : html`<a href="/_dev">Reload</a> to see it.`
      }
    </p>
  </div>`;
}
