import type { TableClient } from '@azure/data-tables';
import { TransientError } from '../../core/errors.js';
import type { ActiveEnrollment, ClaimActiveResult, EnrollmentStore } from '../../core/ports.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import { encodeKey, etagOf, optionalStringColumn, stringColumn, type StoredEntity } from './tableClients.js';

/** One row per employee with an enrollment in flight: the insert-if-absent row that makes starts race-free. */
const activePartition = 'active';
/**
 * claimActive loops when the slot it collided with vanishes before it can be read (released in between); a few
 * rounds is plenty, and an endless tug of war is better reported as transient than spun on.
 */
const maxClaimRounds = 5;

/**
 * The active-enrollment slots of the `Enrollments` table: partition `active`, RowKey the encoded employee id. A claim
 * relies on `createEntity` being insert-if-absent (409 for the loser), and releases are ETag-conditional so a late or
 * stale release never frees a slot that a newer enrollment holds. Slot rows are only ever created and deleted, never
 * updated, so an unchanged ETag means "the same claim".
 */
export function createActiveSlots(
  table: string,
  client: () => Promise<TableClient>,
): Pick<EnrollmentStore, 'claimActive' | 'releaseActive' | 'releaseActiveIfUnchanged'> {
  async function readActive(employeeId: string): Promise<ActiveEnrollment | undefined> {
    try {
      const entity: StoredEntity = await (await client()).getEntity(activePartition, encodeKey(employeeId));
      return {
        enrollmentId: stringColumn(entity, table, 'enrollmentId'),
        requestFingerprint: stringColumn(entity, table, 'requestFingerprint'),
        etag: etagOf(entity, table),
        claimedAt: optionalStringColumn(entity, table, 'claimedAt'),
      };
    } catch (error) {
      if (sdkStatusCode(error) === 404) return undefined;
      throw toStoreError(`${table}.readActive`, error);
    }
  }

  /** Deletes the slot only if its ETag still matches; false when it changed or is already gone. */
  async function deleteActiveIfMatch(employeeId: string, etag: string): Promise<boolean> {
    try {
      await (await client()).deleteEntity(activePartition, encodeKey(employeeId), { etag });
      return true;
    } catch (error) {
      const status = sdkStatusCode(error);
      if (status === 404 || status === 412) return false;
      throw toStoreError(`${table}.releaseActive`, error);
    }
  }

  return {
    async claimActive(employeeId, enrollmentId, requestFingerprint): Promise<ClaimActiveResult> {
      for (let round = 0; round < maxClaimRounds; round += 1) {
        try {
          const tableClient = await client();
          await tableClient.createEntity({
            partitionKey: activePartition,
            rowKey: encodeKey(employeeId),
            employeeId,
            enrollmentId,
            requestFingerprint,
            claimedAt: new Date().toISOString(),
          });
          return { outcome: 'claimed' };
        } catch (error) {
          if (sdkStatusCode(error) !== 409) throw toStoreError(`${table}.claimActive`, error);
        }
        // Lost the insert race: report whoever holds the slot, with the ETag the caller needs to reclaim it later.
        const active = await readActive(employeeId);
        if (active !== undefined) return { outcome: 'exists', active };
        // The holder released it between our insert and our read: try to claim again.
      }
      throw new TransientError(`Table storage ${table}.claimActive kept racing with releases; try again`);
    },

    async releaseActive(employeeId, enrollmentId): Promise<void> {
      const active = await readActive(employeeId);
      if (active?.enrollmentId !== enrollmentId) return;
      // If-Match: if the slot was released and re-claimed since the read, the newer claim survives (412, ignored).
      await deleteActiveIfMatch(employeeId, active.etag);
    },

    releaseActiveIfUnchanged(employeeId, active): Promise<boolean> {
      return deleteActiveIfMatch(employeeId, active.etag);
    },
  };
}
