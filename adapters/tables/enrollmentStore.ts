import { odata, type TableEntityResultPage } from '@azure/data-tables';
import { InvalidContinuationTokenError, PermanentError, TransientError } from '../../core/errors.js';
import type {
  ActiveEnrollment,
  ClaimActiveResult,
  EnrollmentRecord,
  EnrollmentRecordPage,
  EnrollmentStore,
  Locale,
} from '../../core/ports.js';
import { fromOpaqueContinuationToken, toOpaqueContinuationToken } from './continuationTokens.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import {
  encodeKey,
  etagOf,
  optionalStringColumn,
  stringColumn,
  type StoredEntity,
  type TableClientFactory,
} from './tableClients.js';

const table = 'Enrollments';
/** One row per employee with an enrollment in flight: the insert-if-absent row that makes starts race-free. */
const activePartition = 'active';
/** The records themselves, keyed by enrollment id. */
const recordPartition = 'enrollment';
/**
 * claimActive loops when the slot it collided with vanishes before it can be read (released in between); a few
 * rounds is plenty, and an endless tug of war is better reported as transient than spun on.
 */
const maxClaimRounds = 5;

/**
 * Table Storage implementation of `EnrollmentStore` on the `Enrollments` table. Active slots live in partition
 * `active` (RowKey: the encoded employee id), records in partition `enrollment` (RowKey: the encoded enrollment id).
 * The slot relies on `createEntity` being insert-if-absent (409 for the loser), and releases are ETag-conditional
 * so a late or stale release never frees a slot that a newer enrollment holds. Slot rows are only ever created and
 * deleted, never updated, so an unchanged ETag means "the same claim".
 */
export function createTableEnrollmentStore(tables: TableClientFactory): EnrollmentStore {
  const client = () => tables(table);

  async function setVerifiedColumn(
    enrollmentId: string,
    fact: 'mfa' | 'contact',
    value: string,
    operation: string,
  ): Promise<void> {
    try {
      await (
        await client()
      ).updateEntity(
        {
          partitionKey: recordPartition,
          rowKey: encodeKey(enrollmentId),
          [fact === 'mfa' ? 'mfaConfirmedAt' : 'contactVerifiedAt']: value,
        },
        'Merge',
        { etag: '*' },
      );
    } catch (error) {
      throw toStoreError(`${table}.${operation}`, error);
    }
  }

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

    async save(record): Promise<void> {
      try {
        // Replace, not merge: the stored row is exactly `record`, so a retried save is idempotent and optional fields
        // left out of `record` do not linger from an earlier write.
        await (await client()).upsertEntity(toRecordEntity(record), 'Replace');
      } catch (error) {
        throw toStoreError(`${table}.save`, error);
      }
    },

    async get(enrollmentId): Promise<EnrollmentRecord | undefined> {
      let entity: StoredEntity;
      try {
        entity = await (await client()).getEntity(recordPartition, encodeKey(enrollmentId));
      } catch (error) {
        if (sdkStatusCode(error) === 404) return undefined;
        throw toStoreError(`${table}.get`, error);
      }
      return fromRecordEntity(entity);
    },

    async setAppPassword(enrollmentId, reference): Promise<void> {
      try {
        // Merge with If-Match `*`: touches only the two columns, and fails (404) rather than inserting a half-empty
        // record when the enrollment does not exist.
        const tableClient = await client();
        await tableClient.updateEntity(
          {
            partitionKey: recordPartition,
            rowKey: encodeKey(enrollmentId),
            appPasswordSecretName: reference.secretName,
            appPasswordVersion: reference.version,
          },
          'Merge',
          { etag: '*' },
        );
      } catch (error) {
        throw toStoreError(`${table}.setAppPassword`, error);
      }
    },

    async markVerified(enrollmentId, fact, at): Promise<void> {
      await setVerifiedColumn(enrollmentId, fact, at, 'markVerified');
    },

    async clearVerified(enrollmentId, fact): Promise<void> {
      // A merge cannot remove a column; an empty one reads as absent.
      await setVerifiedColumn(enrollmentId, fact, '', 'clearVerified');
    },

    async delete(enrollmentId): Promise<void> {
      try {
        await (await client()).deleteEntity(recordPartition, encodeKey(enrollmentId));
      } catch (error) {
        if (sdkStatusCode(error) === 404) return;
        throw toStoreError(`${table}.delete`, error);
      }
    },

    async list({ employeeId, maxPageSize, continuationToken }): Promise<EnrollmentRecordPage> {
      const sdkToken = continuationToken === undefined ? undefined : fromOpaqueContinuationToken(continuationToken);
      // Always within the record partition: whatever a continuation token says, slot rows never come back.
      const filter =
        employeeId === undefined
          ? odata`PartitionKey eq ${recordPartition}`
          : odata`PartitionKey eq ${recordPartition} and employeeId eq ${employeeId}`;
      let page: TableEntityResultPage<StoredEntity> | undefined;
      try {
        const pages = (await client())
          .listEntities<StoredEntity>({ queryOptions: { filter } })
          .byPage({ maxPageSize, ...(sdkToken === undefined ? {} : { continuationToken: sdkToken }) });
        const first = await pages.next();
        page = first.done === true ? undefined : first.value;
      } catch (error) {
        // The service judges the keys inside a token; refusing them is still the caller's mistake, not an outage.
        if (sdkToken !== undefined && sdkStatusCode(error) === 400) {
          throw new InvalidContinuationTokenError('The continuation token was refused by Table Storage', {
            cause: error,
          });
        }
        throw toStoreError(`${table}.list`, error);
      }
      const next = page?.continuationToken;
      return {
        records: (page ?? []).map(fromRecordEntity),
        ...(next === undefined ? {} : { continuationToken: toOpaqueContinuationToken(next) }),
      };
    },
  };
}

function toRecordEntity(record: EnrollmentRecord) {
  return {
    partitionKey: recordPartition,
    rowKey: encodeKey(record.enrollmentId),
    enrollmentId: record.enrollmentId,
    employeeId: record.employeeId,
    userPrincipalName: record.userPrincipalName,
    displayName: record.displayName,
    inviteEmail: record.inviteEmail,
    // One JSON column: the contact's shape may grow without a table migration, and absent channels stay absent.
    contact: JSON.stringify({ email: record.contact.email, phone: record.contact.phone }),
    locale: record.locale,
    requestFingerprint: record.requestFingerprint,
    createdAt: record.createdAt,
    pageSecret: record.pageSecret,
    ...(record.mfaConfirmedAt === undefined ? {} : { mfaConfirmedAt: record.mfaConfirmedAt }),
    ...(record.contactVerifiedAt === undefined ? {} : { contactVerifiedAt: record.contactVerifiedAt }),
    // Optional fields are left out rather than written as null, so they read back as absent.
    ...(record.deviceLabel === undefined ? {} : { deviceLabel: record.deviceLabel }),
    ...(record.callbackUrl === undefined ? {} : { callbackUrl: record.callbackUrl }),
    ...(record.appPassword === undefined
      ? {}
      : { appPasswordSecretName: record.appPassword.secretName, appPasswordVersion: record.appPassword.version }),
  };
}

function fromRecordEntity(entity: StoredEntity): EnrollmentRecord {
  const deviceLabel = optionalStringColumn(entity, table, 'deviceLabel');
  const callbackUrl = optionalStringColumn(entity, table, 'callbackUrl');
  const secretName = optionalStringColumn(entity, table, 'appPasswordSecretName');
  const version = optionalStringColumn(entity, table, 'appPasswordVersion');
  // Empty once cleared (the directory no longer showing MFA at mint time): absent.
  const mfaConfirmedAt = optionalStringColumn(entity, table, 'mfaConfirmedAt') || undefined;
  const contactVerifiedAt = optionalStringColumn(entity, table, 'contactVerifiedAt') || undefined;
  return {
    enrollmentId: stringColumn(entity, table, 'enrollmentId'),
    employeeId: stringColumn(entity, table, 'employeeId'),
    userPrincipalName: stringColumn(entity, table, 'userPrincipalName'),
    displayName: stringColumn(entity, table, 'displayName'),
    inviteEmail: stringColumn(entity, table, 'inviteEmail'),
    contact: parseContact(stringColumn(entity, table, 'contact')),
    locale: parseLocale(stringColumn(entity, table, 'locale')),
    requestFingerprint: stringColumn(entity, table, 'requestFingerprint'),
    createdAt: stringColumn(entity, table, 'createdAt'),
    pageSecret: stringColumn(entity, table, 'pageSecret'),
    ...(deviceLabel === undefined ? {} : { deviceLabel }),
    ...(callbackUrl === undefined ? {} : { callbackUrl }),
    ...(mfaConfirmedAt === undefined ? {} : { mfaConfirmedAt }),
    ...(contactVerifiedAt === undefined ? {} : { contactVerifiedAt }),
    ...(secretName === undefined || version === undefined ? {} : { appPassword: { secretName, version } }),
  };
}

function parseContact(json: string): EnrollmentRecord['contact'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new PermanentError(`Corrupt ${table} row: column contact is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new PermanentError(`Corrupt ${table} row: column contact is not an object`);
  }
  const { email, phone } = parsed as Record<string, unknown>;
  if ((email !== undefined && typeof email !== 'string') || (phone !== undefined && typeof phone !== 'string')) {
    throw new PermanentError(`Corrupt ${table} row: column contact has a non-string channel`);
  }
  return { ...(email === undefined ? {} : { email }), ...(phone === undefined ? {} : { phone }) };
}

function parseLocale(value: string): Locale {
  if (value === 'da' || value === 'en') return value;
  throw new PermanentError(`Corrupt ${table} row: column locale is not a known locale`);
}
