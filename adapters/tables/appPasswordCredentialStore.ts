import { odata } from '@azure/data-tables';
import type { UserHashSalt } from '../../core/appPasswordHash.js';
import { newUserHashSalt } from '../../core/appPasswordHash.js';
import type {
  AppPasswordCredential,
  AppPasswordCredentialStore,
  IssuedAppPassword,
  UserAppPasswords,
} from '../../core/ports.js';
import { sdkStatusCode, toStoreError } from './errors.js';
import {
  encodeKey,
  numberColumn,
  optionalStringColumn,
  stringColumn,
  type StoredEntity,
  type TableClientFactory,
} from './tableClients.js';

const table = 'AppPasswords';
const saltRow = 'salt';
const labelRow = (label: string) => `label-${encodeKey(label.toLowerCase())}`;
/** User names are case-insensitive in Entra ID, so one user is one partition however HR or a relay spells it. */
const userPartition = (userPrincipalName: string) => encodeKey(userPrincipalName.toLowerCase());

/**
 * Table Storage implementation of `AppPasswordCredentialStore` on the `AppPasswords` table: one partition per user
 * (the lower-cased UPN), a `salt` row and one `label-…` row per app password. A verify is then a single partition
 * query. Labels are reserved with an insert-if-absent, so two requests for one label cannot both win; the per-user
 * limit is checked by counting after the insert and withdrawing when over, so racing reservations can only both
 * fail, never both exceed it.
 */
export function createTableAppPasswordCredentialStore(tables: TableClientFactory): AppPasswordCredentialStore {
  const client = () => tables(table);

  async function readPartition(userPrincipalName: string): Promise<StoredEntity[]> {
    const rows: StoredEntity[] = [];
    try {
      const entities = (await client()).listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${userPartition(userPrincipalName)}` },
      });
      for await (const entity of entities) rows.push(entity);
    } catch (error) {
      throw toStoreError(`${table}.list`, error);
    }
    return rows;
  }

  async function getRow(partitionKey: string, rowKey: string): Promise<StoredEntity | undefined> {
    try {
      return await (await client()).getEntity(partitionKey, rowKey);
    } catch (error) {
      if (sdkStatusCode(error) === 404) return undefined;
      throw toStoreError(`${table}.get`, error);
    }
  }

  async function list(userPrincipalName: string): Promise<UserAppPasswords> {
    const rows = await readPartition(userPrincipalName);
    const salt = rows.find((row) => row['rowKey'] === saltRow);
    return {
      salt: salt === undefined ? undefined : toSalt(salt),
      credentials: rows.filter((row) => row['rowKey'] !== saltRow).map(toCredential),
    };
  }

  async function remove(userPrincipalName: string, label: string, enrollmentId?: string): Promise<boolean> {
    const partitionKey = userPartition(userPrincipalName);
    const rowKey = labelRow(label);
    const existing = await getRow(partitionKey, rowKey);
    if (existing === undefined) return false;
    if (enrollmentId !== undefined && existing['enrollmentId'] !== enrollmentId) return false;
    try {
      await (await client()).deleteEntity(partitionKey, rowKey, { etag: stringColumn(existing, table, 'etag') });
      return true;
    } catch (error) {
      const status = sdkStatusCode(error);
      if (status === 404 || status === 412) return false;
      throw toStoreError(`${table}.remove`, error);
    }
  }

  return {
    list,
    remove,

    async reserve(userPrincipalName, credential, maxPerUser) {
      const partitionKey = userPartition(userPrincipalName);
      const rowKey = labelRow(credential.label);
      // One partition read answers both "is the label taken" and "is the quota full".
      const { credentials } = await list(userPrincipalName);
      const label = credential.label.toLowerCase();
      const existing = credentials.find((item) => item.label.toLowerCase() === label);
      if (existing !== undefined) return { outcome: 'taken', credential: existing };
      if (credentials.length >= maxPerUser) return { outcome: 'limit-reached' };
      try {
        await (await client()).createEntity({ partitionKey, rowKey, ...credential });
      } catch (error) {
        if (sdkStatusCode(error) !== 409) throw toStoreError(`${table}.reserve`, error);
        const winner = await getRow(partitionKey, rowKey);
        if (winner === undefined) throw toStoreError(`${table}.reserve`, error);
        return { outcome: 'taken', credential: toCredential(winner) };
      }
      const after = await list(userPrincipalName);
      if (after.credentials.length > maxPerUser) {
        await remove(userPrincipalName, credential.label, credential.enrollmentId);
        return { outcome: 'limit-reached' };
      }
      return { outcome: 'reserved' };
    },

    async salt(userPrincipalName): Promise<UserHashSalt> {
      const partitionKey = userPartition(userPrincipalName);
      const stored = await getRow(partitionKey, saltRow);
      if (stored !== undefined) return toSalt(stored);
      const fresh = newUserHashSalt();
      try {
        await (await client()).createEntity({ partitionKey, rowKey: saltRow, ...fresh });
        return fresh;
      } catch (error) {
        if (sdkStatusCode(error) !== 409) throw toStoreError(`${table}.salt`, error);
      }
      // Another mint created it first: every hash of this user must use that one.
      const winner = await getRow(partitionKey, saltRow);
      if (winner === undefined) throw toStoreError(`${table}.salt`, new Error('salt row vanished'));
      return toSalt(winner);
    },

    async issue(userPrincipalName, label, enrollmentId, issued: IssuedAppPassword) {
      const partitionKey = userPartition(userPrincipalName);
      const rowKey = labelRow(label);
      const existing = await getRow(partitionKey, rowKey);
      const reservation =
        existing === undefined
          ? // Enrollments started before labels existed never reserved one.
            { label, enrollmentId, requestFingerprint: '', reservedAt: issued.issuedAt }
          : toCredential(existing);
      try {
        await (
          await client()
        ).upsertEntity(
          {
            partitionKey,
            rowKey,
            label: reservation.label,
            enrollmentId: reservation.enrollmentId,
            requestFingerprint: reservation.requestFingerprint,
            reservedAt: reservation.reservedAt,
            secretName: issued.secretName,
            version: issued.version,
            issuedAt: issued.issuedAt,
            hash: issued.hash,
            // Table Storage has no null: a password that never expires simply has no expiresAt column.
            ...(issued.expiresAt === null ? {} : { expiresAt: issued.expiresAt }),
          },
          'Replace',
        );
      } catch (error) {
        throw toStoreError(`${table}.issue`, error);
      }
    },
  };
}

function toSalt(row: StoredEntity): UserHashSalt {
  return {
    salt: stringColumn(row, table, 'salt'),
    N: numberColumn(row, table, 'N'),
    r: numberColumn(row, table, 'r'),
    p: numberColumn(row, table, 'p'),
  };
}

function toCredential(row: StoredEntity): AppPasswordCredential {
  const secretName = optionalStringColumn(row, table, 'secretName');
  const base = {
    label: stringColumn(row, table, 'label'),
    enrollmentId: stringColumn(row, table, 'enrollmentId'),
    requestFingerprint: stringColumn(row, table, 'requestFingerprint'),
    reservedAt: stringColumn(row, table, 'reservedAt'),
  };
  if (secretName === undefined) return base;
  return {
    ...base,
    issued: {
      secretName,
      version: stringColumn(row, table, 'version'),
      issuedAt: stringColumn(row, table, 'issuedAt'),
      expiresAt: optionalStringColumn(row, table, 'expiresAt') ?? null,
      hash: stringColumn(row, table, 'hash'),
    },
  };
}
