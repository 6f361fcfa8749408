import { isTransientError } from '../../core/errors.js';
import type { RevealClaim, RevealClaimHolder, RevealClaimStore } from '../../core/ports.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import { encodeKey, optionalStringColumn, stringColumn, type TableClientFactory } from './tableClients.js';

const table = 'RevealClaims';
/** Inserts tried before an insert whose outcome stays unknown is reported as a transient failure. */
const maxInserts = 3;

/**
 * Table Storage implementation of `RevealClaimStore` on the `RevealClaims` table: PartitionKey = enrollment id, RowKey
 * = password version. The one-reveal guarantee rests on `createEntity` being insert-if-absent: the service lets exactly
 * one insert of a key succeed and answers 409 to every other, across all instances. A claim is deleted only by its own
 * claimer, when the vault read that followed it failed.
 *
 * An insert can land and still fail for its sender (a timeout; the SDK's own retry then meets the row it wrote and
 * gets 409). Each claim carries a random id, so the sender reads the row back and knows whether the reveal is its own:
 * a lost answer never turns a claimed reveal into "already shown" for the one who claimed it.
 */
export function createTableRevealClaimStore(tables: TableClientFactory): RevealClaimStore {
  async function find(enrollmentId: string, version: string): Promise<RevealClaim | undefined> {
    const tableClient = await tables(table);
    try {
      const entity = await tableClient.getEntity(encodeKey(enrollmentId), encodeKey(version));
      return {
        // Claims written before ids and holders existed were all the employee's.
        id: optionalStringColumn(entity, table, 'claimId') ?? '',
        holder: parseHolder(optionalStringColumn(entity, table, 'holder')),
        claimedAt: stringColumn(entity, table, 'claimedAt'),
      };
    } catch (error) {
      if (sdkStatusCode(error) === 404) return undefined;
      throw toStoreError(`${table}.find`, error);
    }
  }

  return {
    async claim(enrollmentId, version, claim): Promise<boolean> {
      const tableClient = await tables(table);
      let unknown: Error | undefined;
      for (let attempt = 0; attempt < maxInserts; attempt += 1) {
        try {
          await tableClient.createEntity({
            partitionKey: encodeKey(enrollmentId),
            rowKey: encodeKey(version),
            claimId: claim.id,
            holder: claim.holder,
            claimedAt: claim.claimedAt,
          });
          return true;
        } catch (error) {
          if (sdkStatusCode(error) !== 409) {
            unknown = toStoreError(`${table}.claim`, error);
            if (!isTransientError(unknown)) throw unknown;
          }
        }
        // Taken, or perhaps taken by this very insert: the row says whose it is.
        try {
          const stored = await find(enrollmentId, version);
          if (stored !== undefined) return stored.id === claim.id;
        } catch (error) {
          unknown = toStoreError(`${table}.find`, error);
          if (!isTransientError(unknown)) throw unknown;
        }
      }
      throw unknown ?? new Error(`${table}.claim: no outcome`);
    },

    find,

    async release(enrollmentId, version, claimId): Promise<void> {
      const tableClient = await tables(table);
      try {
        const entity = await tableClient.getEntity(encodeKey(enrollmentId), encodeKey(version));
        if (optionalStringColumn(entity, table, 'claimId') !== claimId) return;
        await tableClient.deleteEntity(encodeKey(enrollmentId), encodeKey(version), { etag: entity.etag });
      } catch (error) {
        const status = sdkStatusCode(error);
        if (status === 404 || status === 412) return;
        throw toStoreError(`${table}.release`, error);
      }
    },
  };
}

function parseHolder(value: string | undefined): RevealClaimHolder {
  return value === 'orchestration' ? 'orchestration' : 'employee';
}
