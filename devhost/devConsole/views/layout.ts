import { htmlDocument } from '../../../pages/document.js';
import { html, type SafeHtml } from '../../../pages/html.js';

/** A console page: the employee pages' document, in English, with the console's sections as its navigation. */
export function consoleDocument(title: string, body: SafeHtml): SafeHtml {
  return htmlDocument({
    lang: 'en',
    title: title === 'Dev console' ? title : `${title} – dev console`,
    heading: title,
    header: html`<span>Local dev console</span>
      <nav aria-label="Console sections">
        <a href="/_dev#play-hr">Play HR</a> · <a href="/_dev#outbox">Outbox</a> ·
        <a href="/_dev#callbacks">Callbacks</a> · <a href="/_dev#directory">Directory</a> ·
        <a href="/_dev#instances">Instances</a>
      </nav>`,
    body,
    withScript: false,
  });
}

/** What a refused browser request sees: the reason, and the way back. */
export function errorPage(status: number, message: string): SafeHtml {
  return consoleDocument(
    status === 404 ? 'Not found' : `Request refused (${status})`,
    html`<p class="notice error" role="alert">${message}</p>
      <p><a href="/_dev">Back to the console</a></p>`,
  );
}
