import { PermanentError } from '../../core/errors.js';
import type { LinkPurpose, LinkTokenRecord, LinkTokenStore, Locale, RevealSnapshot } from '../../core/ports.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import {
  encodeKey,
  optionalStringColumn,
  stringColumn,
  type StoredEntity,
  type TableClientFactory,
} from './tableClients.js';

const table = 'LinkTokens';
/** One row per token, so every token gets its own partition and lookups are point reads. */
const rowKey = 'token';

/**
 * Table Storage implementation of `LinkTokenStore` on the `LinkTokens` table: PartitionKey = the token's SHA-256
 * hash (hex), RowKey `token`. Only the hash is ever stored. `find` returns expired records too: the caller must be able
 * to tell "expired" (show a resend page) apart from "unknown" (show nothing). A ready link's reveal snapshot is kept in
 * the columns the `Enrollments` table names them by, in the same storage account: nothing here that the record does
 * not already hold, and never the password.
 */
export function createTableLinkTokenStore(tables: TableClientFactory): LinkTokenStore {
  return {
    async save(tokenHash, record): Promise<void> {
      const tableClient = await tables(table);
      try {
        // Insert only: a hash names one token forever, so a second write may never repoint it to another enrollment.
        await tableClient.createEntity({
          partitionKey: encodeKey(tokenHash),
          rowKey,
          enrollmentId: record.enrollmentId,
          purpose: record.purpose,
          expiresAt: record.expiresAt,
          ...(record.reveal === undefined ? {} : snapshotColumns(record.reveal)),
        });
      } catch (error) {
        if (sdkStatusCode(error) !== 409) throw toStoreError(`${table}.save`, error);
        // A retried save of the very same record is fine; anything else is a bug worth failing loudly on.
        const stored = await find(tokenHash);
        if (
          stored?.enrollmentId === record.enrollmentId &&
          stored.purpose === record.purpose &&
          stored.expiresAt === record.expiresAt
        ) {
          return;
        }
        throw new PermanentError(`Table storage ${table}.save: the token hash is already taken by another record`);
      }
    },

    find,
  };

  async function find(tokenHash: string): Promise<LinkTokenRecord | undefined> {
    const tableClient = await tables(table);
    let entity: StoredEntity;
    try {
      entity = await tableClient.getEntity(encodeKey(tokenHash), rowKey);
    } catch (error) {
      if (sdkStatusCode(error) === 404) return undefined;
      throw toStoreError(`${table}.find`, error);
    }
    const reveal = snapshotOf(entity);
    return {
      enrollmentId: stringColumn(entity, table, 'enrollmentId'),
      purpose: parsePurpose(stringColumn(entity, table, 'purpose')),
      expiresAt: stringColumn(entity, table, 'expiresAt'),
      ...(reveal === undefined ? {} : { reveal }),
    };
  }
}

function snapshotColumns(snapshot: RevealSnapshot) {
  return {
    appPasswordSecretName: snapshot.appPassword.secretName,
    appPasswordVersion: snapshot.appPassword.version,
    pageSecret: snapshot.pageSecret,
    userPrincipalName: snapshot.userPrincipalName,
    locale: snapshot.locale,
  };
}

/** The snapshot, when the row has one: written whole or not at all, so its version column stands for all of them. */
function snapshotOf(entity: StoredEntity): RevealSnapshot | undefined {
  if (optionalStringColumn(entity, table, 'appPasswordVersion') === undefined) return undefined;
  return {
    appPassword: {
      secretName: stringColumn(entity, table, 'appPasswordSecretName'),
      version: stringColumn(entity, table, 'appPasswordVersion'),
    },
    pageSecret: stringColumn(entity, table, 'pageSecret'),
    userPrincipalName: stringColumn(entity, table, 'userPrincipalName'),
    locale: parseLocale(stringColumn(entity, table, 'locale')),
  };
}

function parseLocale(value: string): Locale {
  if (value === 'da' || value === 'en') return value;
  throw new PermanentError(`Corrupt ${table} row: column locale is not a known locale`);
}

function parsePurpose(value: string): LinkPurpose {
  if (value === 'enroll' || value === 'reveal' || value === 'session') return value;
  throw new PermanentError(`Corrupt ${table} row: column purpose is not a known purpose`);
}
