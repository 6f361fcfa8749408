import { randomUUID } from 'node:crypto';
import { odata, type TransactionAction } from '@azure/data-tables';
import type { AuditEntry, AuditLog } from '../../core/ports.js';
import { toStoreError } from './errors.js';
import { encodeKey, optionalStringColumn, stringColumn, type TableClientFactory } from './tableClients.js';

const table = 'Audit';

/**
 * Table Storage implementation of `AuditLog` on the `Audit` table: PartitionKey = enrollment id, RowKey =
 * `${at}-${uuid}`. The timestamp first makes the service return a partition's entries in time order; the UUID makes
 * every append a new row, so two entries with the same `at` never collide. Append-only by construction: this adapter
 * creates entities (one at a time, or several of one partition in an entity-group transaction of creates) and does
 * nothing that updates, upserts or deletes.
 *
 * A timed-out append may have landed; a retry then writes a second row. Duplicated audit lines are preferable to lost
 * ones, and overwriting is what this log must never do.
 */
export function createTableAuditLog(tables: TableClientFactory): AuditLog {
  return {
    async append(entry): Promise<void> {
      const tableClient = await tables(table);
      try {
        await tableClient.createEntity(toEntity(entry));
      } catch (error) {
        throw toStoreError(`${table}.append`, error);
      }
    },

    async appendAll(entries): Promise<void> {
      const [first, ...rest] = entries;
      if (first === undefined) return;
      if (rest.length === 0) return this.append(first);
      // A transaction spans one partition: entries of several enrollments are a caller's mistake, not an outage.
      if (rest.some((entry) => entry.enrollmentId !== first.enrollmentId)) {
        throw new Error(`${table}.appendAll: the entries belong to more than one enrollment`);
      }
      const tableClient = await tables(table);
      try {
        await tableClient.submitTransaction(entries.map((entry): TransactionAction => ['create', toEntity(entry)]));
      } catch (error) {
        throw toStoreError(`${table}.appendAll`, error);
      }
    },

    async list(enrollmentId): Promise<AuditEntry[]> {
      const tableClient = await tables(table);
      const entries: AuditEntry[] = [];
      try {
        const rows = tableClient.listEntities({
          queryOptions: { filter: odata`PartitionKey eq ${encodeKey(enrollmentId)}` },
        });
        for await (const entity of rows) {
          const detail = optionalStringColumn(entity, table, 'detail');
          entries.push({
            enrollmentId: stringColumn(entity, table, 'enrollmentId'),
            at: stringColumn(entity, table, 'at'),
            action: stringColumn(entity, table, 'action'),
            actor: stringColumn(entity, table, 'actor'),
            ...(detail === undefined ? {} : { detail }),
          });
        }
      } catch (error) {
        throw toStoreError(`${table}.list`, error);
      }
      // The service already returns RowKey order; sorting by the instant as well keeps "oldest first" true even for
      // timestamps written with different precision. The sort is stable, so equal instants keep the service's order.
      return entries.sort(byInstant);
    },
  };
}

function toEntity(entry: AuditEntry) {
  return {
    partitionKey: encodeKey(entry.enrollmentId),
    rowKey: `${encodeKey(entry.at)}-${randomUUID()}`,
    enrollmentId: entry.enrollmentId,
    at: entry.at,
    action: entry.action,
    actor: entry.actor,
    ...(entry.detail === undefined ? {} : { detail: entry.detail }),
  };
}

/** Orders by the instant in `at`; an unparseable `at` compares equal so it keeps its RowKey position. */
function byInstant(a: AuditEntry, b: AuditEntry): number {
  const difference = Date.parse(a.at) - Date.parse(b.at);
  return Number.isNaN(difference) ? 0 : difference;
}
