import { html, type SafeHtml } from '../../../pages/html.js';
import { EventType, type HistoryEvent } from '../../durable/history.js';
import type { StatusPayload } from '../../durable/taskHub.js';
import { stageOf } from '../instances.js';
import { consoleDocument } from './layout.js';
import { tableOrNote } from './tableOrNote.js';

/** Longer values in the history table are cut; the JSON API has them whole. */
const maxCellChars = 400;

const eventTypeNames: ReadonlyMap<number, string> = new Map(
  Object.entries(EventType).map(([name, value]) => [value, name]),
);

/** One instance: its status, custom status, input, output and every history event. */
export function instancePage(status: StatusPayload): SafeHtml {
  const events = status.historyEvents ?? [];
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return consoleDocument(
    `Instance ${status.instanceId}`,
    html`<p><a href="/_dev#instances">Back to the console</a></p>
      <dl>
        <dt>Orchestrator</dt>
        <dd>${status.name}</dd>
        <dt>Runtime status</dt>
        <dd>${status.runtimeStatus}</dd>
        <dt>Stage</dt>
        <dd>${stageOf(status) ?? '–'}</dd>
        <dt>Created</dt>
        <dd><time datetime="${status.createdTime}">${status.createdTime}</time></dd>
        <dt>Updated</dt>
        <dd><time datetime="${status.lastUpdatedTime}">${status.lastUpdatedTime}</time></dd>
      </dl>
      <h2>Custom status</h2>
      <pre>${json(status.customStatus)}</pre>
      <h2>Input</h2>
      <pre>${json(status.input)}</pre>
      <h2>Output</h2>
      <pre>${json(status.output)}</pre>
      <h2 id="history">History</h2>
      ${tableOrNote(
        events,
        {
          empty: 'No history yet.',
          labelledBy: 'history',
          columns: ['#', 'Event', 'Event id', 'Name', 'Timestamp', 'Details'],
        },
        (event, index) =>
          html`<tr>
            <td>${index + 1}</td>
            <td>${eventTypeNames.get(event.EventType) ?? String(event.EventType)}</td>
            <td>${event.EventId}</td>
            <td>${event.Name ?? ''}</td>
            <td><time datetime="${event.Timestamp}">${event.Timestamp}</time></td>
            <td>${eventDetails(event)}</td>
          </tr>`,
      )}`,
  );
}

function cut(text: string): string {
  return text.length > maxCellChars ? `${text.slice(0, maxCellChars)}…` : text;
}

function eventDetails(event: HistoryEvent): string {
  const parts: string[] = [];
  if (event.TaskScheduledId !== undefined) parts.push(`task ${event.TaskScheduledId}`);
  if (event.TimerId !== undefined) parts.push(`timer ${event.TimerId}`);
  if (event.FireAt !== undefined) parts.push(`fires at ${event.FireAt}`);
  if (event.Attempt !== undefined) parts.push(`attempt ${event.Attempt}`);
  if (event.Input !== undefined) parts.push(`input ${event.Input}`);
  if (event.Result !== undefined) parts.push(`result ${event.Result}`);
  if (event.Reason !== undefined) parts.push(`reason ${event.Reason}`);
  if (event.Details !== undefined) parts.push(`details ${event.Details}`);
  return cut(parts.join('; '));
}
