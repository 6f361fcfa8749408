import { html, type SafeHtml } from '../../../pages/html.js';

/** How {@link tableOrNote} labels a table and what it says instead of an empty one. */
export interface TableSpec {
  /** The muted note shown instead of a table without rows: an empty table says less than a sentence. */
  readonly empty: string;
  /** Column headings, in order. */
  readonly columns: readonly string[];
  /** A muted caption, such as the order of the rows. */
  readonly caption?: string;
  /** The id of a heading that names the table, for a table without a caption. */
  readonly labelledBy?: string;
}

/**
 * The console's lists: a table with one row per item, made by `row`, under the column headings of `spec`, or the
 * muted note `spec.empty` when there are no items. One helper so every list reads and is announced the same way.
 */
export function tableOrNote<T>(
  items: readonly T[],
  spec: TableSpec,
  row: (item: T, index: number) => SafeHtml,
): SafeHtml {
  if (items.length === 0) return html`<p class="muted">${spec.empty}</p>`;
  return html`<table${spec.labelledBy === undefined ? '' : html` aria-labelledby="${spec.labelledBy}"`}>
    ${
      spec.caption === undefined
        ? ''
        : html`<caption class="muted">
            ${spec.caption}
          </caption>`
    }
    <thead>
      <tr>
        ${spec.columns.map((column) => html`<th scope="col">${column}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${items.map((item, index) => row(item, index))}
    </tbody>
  </table>`;
}
