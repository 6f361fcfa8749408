import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { PermanentError } from '../../core/errors.js';
import { toStoreError } from './errors.js';

/**
 * How to reach the storage account: a connection string (Azurite, local runs, shared-key deployments) or the table
 * endpoint plus an Entra ID credential (managed identity in Azure).
 */
export type TableAccess = { connectionString: string } | { endpoint: string; credential: TokenCredential };

/** Resolves a logical table name (`Enrollments`) to a client for a table that is known to exist. */
export type TableClientFactory = (logicalName: string) => Promise<TableClient>;

export interface TableClientFactoryOptions {
  /** Prepended to every logical name; alphanumeric. Tests use a unique one per file so parallel files never collide. */
  readonly tablePrefix?: string | undefined;
  /** Passed to every `TableClient`, e.g. `retryOptions` (tests shorten them to fail fast against a dead endpoint). */
  readonly clientOptions?: TableServiceClientOptions | undefined;
}

/** Table names must start with a letter and hold 3–63 letters or digits. */
const tableNamePattern = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

/**
 * Builds the table-client factory the store adapters share. Each table is created at most once per factory (the
 * `createTable` promise is memoised by name; the SDK already treats 409 TableAlreadyExists as success), so calling the
 * factory on every operation costs a map lookup. Create one factory per process. A failed creation is forgotten, so
 * the next call tries again instead of replaying a cached outage.
 */
export function createTableClientFactory(
  access: TableAccess,
  options: TableClientFactoryOptions = {},
): TableClientFactory {
  const prefix = options.tablePrefix ?? '';
  if (!/^[A-Za-z0-9]*$/.test(prefix)) {
    throw new Error('The table prefix must be alphanumeric: table names allow letters and digits only');
  }
  const clients = new Map<string, Promise<TableClient>>();

  return (logicalName: string) => {
    const tableName = `${prefix}${logicalName}`;
    const existing = clients.get(tableName);
    if (existing !== undefined) return existing;
    if (!tableNamePattern.test(tableName)) {
      return Promise.reject(
        new Error(`Invalid table name "${tableName}": 3-63 letters or digits, starting with a letter`),
      );
    }

    const client = buildClient(access, tableName, options.clientOptions ?? {});
    const ready = client.createTable().then(
      () => client,
      (error: unknown) => {
        clients.delete(tableName);
        throw toStoreError(`${logicalName}.createTable`, error);
      },
    );
    clients.set(tableName, ready);
    return ready;
  };
}

function buildClient(access: TableAccess, tableName: string, clientOptions: TableServiceClientOptions): TableClient {
  if ('connectionString' in access) {
    // Copy: the SDK mutates the options it is given (it sets allowInsecureConnection for UseDevelopmentStorage).
    const options: TableServiceClientOptions = { ...clientOptions };
    if (usesPlainHttp(access.connectionString)) options.allowInsecureConnection = true;
    return TableClient.fromConnectionString(access.connectionString, tableName, options);
  }
  return new TableClient(access.endpoint, tableName, access.credential, { ...clientOptions });
}

/**
 * Whether the connection string's table endpoint is plain http (Azurite). Only then is `allowInsecureConnection` set,
 * so a production https account can never be downgraded by configuration that merely omits the scheme.
 */
function usesPlainHttp(connectionString: string): boolean {
  const settings = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const separator = part.indexOf('=');
    if (separator <= 0) continue;
    settings.set(part.slice(0, separator).trim().toLowerCase(), part.slice(separator + 1).trim());
  }
  if (settings.get('usedevelopmentstorage')?.toLowerCase() === 'true') return true;
  const endpoint = settings.get('tableendpoint');
  if (endpoint !== undefined) return endpoint.toLowerCase().startsWith('http://');
  return settings.get('defaultendpointsprotocol')?.toLowerCase() === 'http';
}

/**
 * Makes any string safe as a PartitionKey or RowKey. Keys may not contain `/ \ # ?` or control characters, and `%`
 * trips up some URL handling, so everything except `A-Z a-z 0-9 - _ .` is written as `~XX` per UTF-8 byte (`~` itself
 * included, which keeps the mapping one-to-one). UUIDs, hex hashes and ISO timestamps stay mostly readable in Storage
 * Explorer, and equal-format strings keep their order.
 */
export function encodeKey(value: string): string {
  let encoded = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const isSafe =
      (byte >= 0x30 && byte <= 0x39) || // 0-9
      (byte >= 0x41 && byte <= 0x5a) || // A-Z
      (byte >= 0x61 && byte <= 0x7a) || // a-z
      byte === 0x2d || // -
      byte === 0x5f || // _
      byte === 0x2e; // .
    encoded += isSafe ? String.fromCharCode(byte) : `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** A stored entity as the SDK returns it without a type argument. */
export type StoredEntity = Readonly<Record<string, unknown>>;

/**
 * Reads a string column; a missing or mistyped column means the row was not written by this code, which retrying
 * cannot fix. The error names the table and column, never the value.
 */
export function stringColumn(entity: StoredEntity, table: string, column: string): string {
  const value = entity[column];
  if (typeof value !== 'string') throw new PermanentError(`Corrupt ${table} row: column ${column} is not a string`);
  return value;
}

/** Reads a string column that may be absent (optional fields are simply not written). */
export function optionalStringColumn(entity: StoredEntity, table: string, column: string): string | undefined {
  const value = entity[column];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new PermanentError(`Corrupt ${table} row: column ${column} is not a string`);
  return value;
}

/** Reads a numeric column (the SDK converts Edm.Int32/Int64/Double back to numbers or numeric strings). */
export function numberColumn(entity: StoredEntity, table: string, column: string): number {
  const value = entity[column];
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new PermanentError(`Corrupt ${table} row: column ${column} is not a number`);
  }
  return number;
}

/** Reads the entity's ETag, which every entity the service returns carries. */
export function etagOf(entity: StoredEntity, table: string): string {
  return stringColumn(entity, table, 'etag');
}
