import { PermanentError } from '../../core/errors.js';
import type { CodeChannel, OneTimeCodeRecord, OneTimeCodeStore } from '../../core/ports.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import {
  encodeKey,
  etagOf,
  numberColumn,
  stringColumn,
  type StoredEntity,
  type TableClientFactory,
} from './tableClients.js';

const table = 'OneTimeCodes';

/**
 * Table Storage implementation of `OneTimeCodeStore` on the `OneTimeCodes` table: PartitionKey = enrollment id, RowKey
 * = purpose. Every write is optimistic: `put` without an ETag only inserts, with one only replaces that exact version,
 * so two requests verifying or resending at once cannot both win (attempt and resend counters stay honest).
 */
export function createTableOneTimeCodeStore(tables: TableClientFactory): OneTimeCodeStore {
  return {
    async get(enrollmentId, purpose): Promise<OneTimeCodeRecord | undefined> {
      const tableClient = await tables(table);
      let entity: StoredEntity;
      try {
        entity = await tableClient.getEntity(encodeKey(enrollmentId), encodeKey(purpose));
      } catch (error) {
        if (sdkStatusCode(error) === 404) return undefined;
        throw toStoreError(`${table}.get`, error);
      }
      return {
        codeHash: stringColumn(entity, table, 'codeHash'),
        channel: parseChannel(stringColumn(entity, table, 'channel')),
        expiresAt: stringColumn(entity, table, 'expiresAt'),
        attempts: numberColumn(entity, table, 'attempts'),
        sendsInWindow: numberColumn(entity, table, 'sendsInWindow'),
        windowStartedAt: stringColumn(entity, table, 'windowStartedAt'),
        etag: etagOf(entity, table),
      };
    },

    async put(enrollmentId, purpose, record, etag): Promise<boolean> {
      const tableClient = await tables(table);
      // Spelled out rather than spread: a caller passing a full record (with its etag) must not store the etag column.
      const entity = {
        partitionKey: encodeKey(enrollmentId),
        rowKey: encodeKey(purpose),
        codeHash: record.codeHash,
        channel: record.channel,
        expiresAt: record.expiresAt,
        attempts: record.attempts,
        sendsInWindow: record.sendsInWindow,
        windowStartedAt: record.windowStartedAt,
      };
      try {
        if (etag === undefined) {
          await tableClient.createEntity(entity);
        } else {
          await tableClient.updateEntity(entity, 'Replace', { etag });
        }
        return true;
      } catch (error) {
        const status = sdkStatusCode(error);
        // 409: someone inserted first; 412: someone updated first; 404: someone deleted it. All are lost races.
        if (status === 409 || status === 412 || status === 404) return false;
        throw toStoreError(`${table}.put`, error);
      }
    },

    async delete(enrollmentId, purpose): Promise<void> {
      const tableClient = await tables(table);
      try {
        await tableClient.deleteEntity(encodeKey(enrollmentId), encodeKey(purpose));
      } catch (error) {
        if (sdkStatusCode(error) === 404) return;
        throw toStoreError(`${table}.delete`, error);
      }
    },
  };
}

function parseChannel(value: string): CodeChannel {
  if (value === 'email' || value === 'sms') return value;
  throw new PermanentError(`Corrupt ${table} row: column channel is not a known channel`);
}
