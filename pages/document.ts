import { html, type SafeHtml } from './html.js';

/** What differs between the HTML documents this project serves; everything else is {@link htmlDocument}'s. */
export interface DocumentParts {
  /** The `lang` of the whole document. */
  readonly lang: string;
  /** The text of `<title>`, as the browser tab shows it. */
  readonly title: string;
  /** The page's one `<h1>`. */
  readonly heading: string;
  /** What goes inside `<header>`: the site's name and its navigation. */
  readonly header: SafeHtml;
  /** What follows the `<h1>` inside `<main>`. */
  readonly body: SafeHtml;
  /** What goes inside `<footer>`; without it the page has none. */
  readonly footer?: SafeHtml;
  /** Whether the page loads `/assets/app.js` (the copy button); a page without script leaves it out. */
  readonly withScript: boolean;
}

/**
 * The one page layout: the employee pages and the local runtime's dev console both render through it, so the head
 * (charset, viewport, no referrer, the one stylesheet) and the landmarks are written once. It lives here, in deployed
 * code, because the pages need it; the dev console imports it, and nothing in pages/ imports the dev console.
 * The stylesheet and script are same-origin files: the pages' CSP allows no inline style or script.
 */
export function htmlDocument(parts: DocumentParts): SafeHtml {
  return html`<!doctype html>
    <html lang="${parts.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${parts.title}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        ${parts.withScript ? html`<script src="/assets/app.js" defer></script>` : ''}
      </head>
      <body>
        <header>${parts.header}</header>
        <main>
          <h1>${parts.heading}</h1>
          ${parts.body}
        </main>
        ${parts.footer === undefined ? '' : html`<footer>${parts.footer}</footer>`}
      </body>
    </html>`;
}
