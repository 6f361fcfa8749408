import type { RateLimiter } from '../../core/ports.js';
import { TransientError } from '../../core/errors.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import { encodeKey, numberColumn, type TableClientFactory } from './tableClients.js';

const table = 'RateLimits';
const maxRounds = 8;

/**
 * Table Storage fixed-window counters on the `RateLimits` table: PartitionKey = the encoded key, RowKey = the window's
 * start. Increments are ETag-conditional (insert-if-absent for the first), so concurrent instances never lose a
 * count. Old windows are left behind; a storage lifecycle rule or the table's small size makes them harmless.
 */
export function createTableRateLimiter(tables: TableClientFactory, now: () => Date = () => new Date()): RateLimiter {
  const windowOf = (windowMs: number) => String(Math.floor(now().getTime() / windowMs) * windowMs).padStart(15, '0');

  async function count(key: string, windowMs: number): Promise<{ value: number; etag: string | undefined }> {
    try {
      const entity = await (await tables(table)).getEntity(encodeKey(key), windowOf(windowMs));
      return { value: numberColumn(entity, table, 'count'), etag: entity.etag };
    } catch (error) {
      if (sdkStatusCode(error) === 404) return { value: 0, etag: undefined };
      throw toStoreError(`${table}.get`, error);
    }
  }

  return {
    async hit(key, limit, windowMs) {
      const client = await tables(table);
      const partitionKey = encodeKey(key);
      for (let round = 0; round < maxRounds; round += 1) {
        const rowKey = windowOf(windowMs);
        const current = await count(key, windowMs);
        const next = current.value + 1;
        try {
          if (current.etag === undefined) await client.createEntity({ partitionKey, rowKey, count: next });
          else await client.updateEntity({ partitionKey, rowKey, count: next }, 'Replace', { etag: current.etag });
          return { allowed: next <= limit, count: next };
        } catch (error) {
          const status = sdkStatusCode(error);
          if (status !== 409 && status !== 412) throw toStoreError(`${table}.hit`, error);
        }
      }
      throw new TransientError(`Table storage ${table}.hit kept losing races; try again`);
    },

    async isLimited(key, limit, windowMs) {
      return (await count(key, windowMs)).value > limit;
    },
  };
}
