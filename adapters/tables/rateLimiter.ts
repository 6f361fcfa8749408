import { randomInt } from 'node:crypto';
import { odata } from '@azure/data-tables';
import type { AttemptSlot, RateLimiter, SlotGrant } from '../../core/ports.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import { encodeKey, type TableClientFactory } from './tableClients.js';

const table = 'RateLimits';
/** Passes over the window's free slots before a taker that keeps losing races is told it is limited. */
const maxRounds = 3;

/**
 * Table Storage attempt slots on the `RateLimits` table: PartitionKey = the encoded key, RowKey = the window's start
 * and the slot's number. A slot is taken by inserting its row (insert-if-absent), which the service lets exactly one
 * request do, so `limit` slots are never handed out more than `limit` times per window across all instances, and a
 * taker never waits on a counter everyone else is writing: it tries another free slot. A first try goes to a random
 * slot without reading anything, which is all an unhurried key needs. Old windows are left behind; a storage
 * lifecycle rule or the table's small size makes them harmless.
 */
export function createTableRateLimiter(tables: TableClientFactory, now: () => Date = () => new Date()): RateLimiter {
  const windowStart = (windowMs: number) => Math.floor(now().getTime() / windowMs) * windowMs;
  const windowKey = (start: number) => String(start).padStart(15, '0');
  const slotRow = (window: string, index: number) => `${window}-${String(index).padStart(6, '0')}`;

  /** True when this request inserted the slot's row; false when someone else holds it. */
  async function insert(partitionKey: string, rowKey: string): Promise<boolean> {
    try {
      await (await tables(table)).createEntity({ partitionKey, rowKey, takenAt: now().toISOString() });
      return true;
    } catch (error) {
      if (sdkStatusCode(error) === 409) return false;
      throw toStoreError(`${table}.take`, error);
    }
  }

  async function takenSlots(partitionKey: string, window: string): Promise<Set<string>> {
    const client = await tables(table);
    const rows = new Set<string>();
    try {
      const entities = client.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${`${window}-`} and RowKey lt ${`${window}.`}`,
          select: ['RowKey'],
        },
      });
      for await (const entity of entities) if (entity.rowKey !== undefined) rows.add(entity.rowKey);
    } catch (error) {
      throw toStoreError(`${table}.list`, error);
    }
    return rows;
  }

  return {
    async take(key, limit, windowMs): Promise<SlotGrant> {
      const start = windowStart(windowMs);
      const window = windowKey(start);
      const partitionKey = encodeKey(key);
      const granted = (index: number): SlotGrant => ({ granted: true, slot: { key, id: slotRow(window, index) } });
      const refused: SlotGrant = { granted: false, retryAfterMs: Math.max(1_000, start + windowMs - now().getTime()) };
      if (limit < 1) return refused;

      const first = randomInt(limit);
      if (await insert(partitionKey, slotRow(window, first))) return granted(first);
      for (let round = 0; round < maxRounds; round += 1) {
        const taken = await takenSlots(partitionKey, window);
        const free = shuffled(
          Array.from({ length: limit }, (_, index) => index).filter((index) => !taken.has(slotRow(window, index))),
        );
        if (free.length === 0) return refused;
        for (const index of free) {
          if (await insert(partitionKey, slotRow(window, index))) return granted(index);
        }
      }
      return refused;
    },

    async release(slot: AttemptSlot): Promise<void> {
      try {
        await (await tables(table)).deleteEntity(encodeKey(slot.key), slot.id);
      } catch (error) {
        if (sdkStatusCode(error) === 404) return;
        throw toStoreError(`${table}.release`, error);
      }
    },
  };
}

/** Racing takers that list the same free slots try them in different orders, so most of them win at the first try. */
function shuffled(items: number[]): number[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = randomInt(index + 1);
    [items[index], items[other]] = [items[other] as number, items[index] as number];
  }
  return items;
}
