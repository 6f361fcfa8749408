import { odata, type TableEntityResultPage } from '@azure/data-tables';
import { InvalidContinuationTokenError, PermanentError } from '../../core/errors.js';
import type { EnrollmentRecord, EnrollmentRecordPage, EnrollmentStore, Locale } from '../../core/ports.js';
import { fromOpaqueContinuationToken, toOpaqueContinuationToken } from './continuationTokens.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import { createActiveSlots } from './activeEnrollments.js';
import {
  encodeKey,
  optionalStringColumn,
  stringColumn,
  type StoredEntity,
  type TableClientFactory,
} from './tableClients.js';

const table = 'Enrollments';
/** The records themselves, keyed by enrollment id. */
const recordPartition = 'enrollment';

/**
 * Table Storage implementation of `EnrollmentStore` on the `Enrollments` table. Active slots live in partition
 * `active` (RowKey: the encoded employee id; see `activeEnrollments.ts`), records in partition `enrollment` (RowKey:
 * the encoded enrollment id).
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

  return {
    ...createActiveSlots(table, client),

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
