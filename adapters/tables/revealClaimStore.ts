import type { RevealClaimStore } from '../../core/ports.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import { encodeKey, type TableClientFactory } from './tableClients.js';

const table = 'RevealClaims';

/**
 * Table Storage implementation of `RevealClaimStore` on the `RevealClaims` table: PartitionKey = enrollment id, RowKey
 * = password version. The one-reveal guarantee rests on `createEntity` being insert-if-absent: the service lets exactly
 * one insert of a key succeed and answers 409 to every other, across all instances. A claim is deleted only by its own claimer, when the vault read that followed it failed.
 */
export function createTableRevealClaimStore(tables: TableClientFactory): RevealClaimStore {
  return {
    async claim(enrollmentId, version, claimedAt): Promise<boolean> {
      const tableClient = await tables(table);
      try {
        await tableClient.createEntity({
          partitionKey: encodeKey(enrollmentId),
          rowKey: encodeKey(version),
          claimedAt,
        });
        return true;
      } catch (error) {
        if (sdkStatusCode(error) === 409) return false;
        // Not knowing whether the insert landed (timeout) surfaces as TransientError: a retry then sees 409 and
        // refuses, which errs on the side of never revealing twice.
        throw toStoreError(`${table}.claim`, error);
      }
    },

    async release(enrollmentId, version, claimedAt): Promise<void> {
      const tableClient = await tables(table);
      try {
        const entity = await tableClient.getEntity<{ claimedAt: string }>(encodeKey(enrollmentId), encodeKey(version));
        if (entity.claimedAt !== claimedAt) return;
        await tableClient.deleteEntity(encodeKey(enrollmentId), encodeKey(version), { etag: entity.etag });
      } catch (error) {
        const status = sdkStatusCode(error);
        if (status === 404 || status === 412) return;
        throw toStoreError(`${table}.release`, error);
      }
    },

    async isClaimed(enrollmentId, version): Promise<boolean> {
      const tableClient = await tables(table);
      try {
        // Select no columns beyond the keys: only existence matters.
        await tableClient.getEntity(encodeKey(enrollmentId), encodeKey(version), {
          queryOptions: { select: ['PartitionKey'] },
        });
        return true;
      } catch (error) {
        if (sdkStatusCode(error) === 404) return false;
        throw toStoreError(`${table}.isClaimed`, error);
      }
    },
  };
}
