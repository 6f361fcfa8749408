import { randomBytes } from 'node:crypto';
import { badParameter, VaultError } from './vaultError.js';
import { maxValueBytes, readAttributes, readContentType, readTags } from './secretInput.js';

/*
 * The local vault's secrets and what Key Vault does to them: versions on each set, soft delete with recovery and
 * purge, and the JSON bundles the SDK reads back. Names are looked up ignoring case, as Key Vault does.
 */

const recoverableDays = 90;
const recoveryLevel = 'Recoverable+Purgeable';

export interface SecretVersion {
  version: string;
  value: string;
  contentType: string | undefined;
  tags: Record<string, string> | undefined;
  enabled: boolean;
  created: number;
  updated: number;
  nbf: number | undefined;
  exp: number | undefined;
}

export interface SecretRecord {
  /** Spelling of the name when the secret was created; lookups are case-insensitive like Key Vault's. */
  name: string;
  /** Oldest first; the last one is what a version-less GET returns. */
  versions: SecretVersion[];
  deleted: { deletedDate: number; scheduledPurgeDate: number } | undefined;
}

/**
 * The secrets, in memory. Each operation takes the vault's base URL, from which the bundles' ids are made, and
 * answers with the JSON body Key Vault would send; a VaultError says why it refused.
 */
export class SecretStore {
  /** Lower-cased name → record. */
  readonly #secrets = new Map<string, SecretRecord>();

  constructor(records: readonly SecretRecord[] = []) {
    for (const record of records) this.#secrets.set(record.name.toLowerCase(), record);
  }

  /** Every record, deleted ones included: what the data file keeps. */
  records(): SecretRecord[] {
    return [...this.#secrets.values()];
  }

  get(base: string, name: string, version: string): unknown {
    const { record, found } = this.#findVersion(name, version);
    if (!found.enabled) {
      throw new VaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
    }
    return bundle(base, record, found, true);
  }

  set(base: string, name: string, input: Record<string, unknown>): unknown {
    const existing = this.#secrets.get(name.toLowerCase());
    if (existing?.deleted !== undefined) {
      throw new VaultError(
        409,
        'Conflict',
        `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
        'ObjectIsDeletedButRecoverable',
      );
    }
    const created = newVersion(input);
    const record = existing ?? { name, versions: [], deleted: undefined };
    record.versions.push(created);
    this.#secrets.set(name.toLowerCase(), record);
    return bundle(base, record, created, true);
  }

  update(base: string, name: string, version: string, input: Record<string, unknown>): unknown {
    const { record, found } = this.#findVersion(name, version);
    // Validate everything before changing anything, so a bad field leaves the version as it was.
    const attributes = readAttributes(input['attributes']);
    const contentType = readContentType(input['contentType']);
    const tags = readTags(input['tags']);
    if (attributes.enabled !== undefined) found.enabled = attributes.enabled;
    // null clears a field, absent leaves it alone: the SDK only sends what the caller set.
    if (attributes.nbf !== undefined) found.nbf = attributes.nbf ?? undefined;
    if (attributes.exp !== undefined) found.exp = attributes.exp ?? undefined;
    if (contentType !== undefined) found.contentType = contentType ?? undefined;
    if (tags !== undefined) found.tags = tags ?? undefined;
    found.updated = unixNow();
    return bundle(base, record, found, false);
  }

  delete(base: string, name: string): unknown {
    const record = this.#live(name);
    const latest = record?.versions.at(-1);
    if (record === undefined || latest === undefined) {
      throw new VaultError(404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault.`);
    }
    const deletedDate = unixNow();
    record.deleted = { deletedDate, scheduledPurgeDate: deletedDate + recoverableDays * 86_400 };
    return deletedBundle(base, record, latest);
  }

  getDeleted(base: string, name: string): unknown {
    const { record, latest } = this.#deletedRecord(name);
    return deletedBundle(base, record, latest);
  }

  purge(name: string): void {
    this.#deletedRecord(name);
    this.#secrets.delete(name.toLowerCase());
  }

  recover(base: string, name: string): unknown {
    const { record, latest } = this.#deletedRecord(name);
    record.deleted = undefined;
    return bundle(base, record, latest, false);
  }

  list(base: string): unknown {
    const value = this.records().flatMap((record) => {
      const latest = record.versions.at(-1);
      if (record.deleted !== undefined || latest === undefined) return [];
      return [{ ...metadata(latest), id: `${base}/secrets/${record.name}` }];
    });
    return { value, nextLink: null };
  }

  listVersions(base: string, name: string): unknown {
    // Real Key Vault answers 200 with an empty list for a name it does not know, not 404.
    const record = this.#live(name);
    const value = (record?.versions ?? []).map((v) => ({
      ...metadata(v),
      id: `${base}/secrets/${record?.name ?? name}/${v.version}`,
    }));
    return { value, nextLink: null };
  }

  listDeleted(base: string): unknown {
    const value = this.records().flatMap((record) => {
      const latest = record.versions.at(-1);
      if (record.deleted === undefined || latest === undefined) return [];
      return [{ ...metadata(latest), ...deletion(base, record), id: `${base}/secrets/${record.name}` }];
    });
    return { value, nextLink: null };
  }

  #live(name: string): SecretRecord | undefined {
    const record = this.#secrets.get(name.toLowerCase());
    return record?.deleted === undefined ? record : undefined;
  }

  #findVersion(name: string, version: string): { record: SecretRecord; found: SecretVersion } {
    const record = this.#live(name);
    const found =
      version === '' ? record?.versions.at(-1) : record?.versions.find((v) => v.version === version.toLowerCase());
    if (record === undefined || found === undefined) {
      throw new VaultError(
        404,
        'SecretNotFound',
        `A secret with (name/id) ${name}${version === '' ? '' : `/${version}`} was not found in this key vault.`,
      );
    }
    return { record, found };
  }

  #deletedRecord(name: string): { record: SecretRecord; latest: SecretVersion } {
    const record = this.#secrets.get(name.toLowerCase());
    const latest = record?.versions.at(-1);
    if (record?.deleted === undefined || latest === undefined) {
      throw new VaultError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
    }
    return { record, latest };
  }
}

/** The version a set creates from the request body, refused whole if any field is not valid. */
function newVersion(input: Record<string, unknown>): SecretVersion {
  const value = input['value'];
  if (typeof value !== 'string') throw badParameter('The secret value is required and must be a string.');
  if (Buffer.byteLength(value) > maxValueBytes) throw badParameter('The secret value exceeds 25 KiB.');
  const attributes = readAttributes(input['attributes']);
  const now = unixNow();
  return {
    version: randomBytes(16).toString('hex'),
    value,
    contentType: readContentType(input['contentType']) ?? undefined,
    tags: readTags(input['tags']) ?? undefined,
    enabled: attributes.enabled ?? true,
    created: now,
    updated: now,
    nbf: attributes.nbf ?? undefined,
    exp: attributes.exp ?? undefined,
  };
}

function bundle(base: string, record: SecretRecord, v: SecretVersion, withValue: boolean): Record<string, unknown> {
  return {
    ...(withValue ? { value: v.value } : {}),
    ...metadata(v),
    id: `${base}/secrets/${record.name}/${v.version}`,
  };
}

function deletedBundle(base: string, record: SecretRecord, latest: SecretVersion): unknown {
  return { ...bundle(base, record, latest, false), ...deletion(base, record) };
}

function metadata(v: SecretVersion): Record<string, unknown> {
  return {
    ...(v.contentType === undefined ? {} : { contentType: v.contentType }),
    ...(v.tags === undefined ? {} : { tags: v.tags }),
    attributes: {
      enabled: v.enabled,
      ...(v.nbf === undefined ? {} : { nbf: v.nbf }),
      ...(v.exp === undefined ? {} : { exp: v.exp }),
      created: v.created,
      updated: v.updated,
      recoveryLevel,
      recoverableDays,
    },
  };
}

function deletion(base: string, record: SecretRecord): Record<string, unknown> {
  return {
    // The SDK's delete poller only polls GET /deletedsecrets when a recoveryId is present, as with soft delete.
    recoveryId: `${base}/deletedsecrets/${record.name}`,
    deletedDate: record.deleted?.deletedDate,
    scheduledPurgeDate: record.deleted?.scheduledPurgeDate,
  };
}

const unixNow = (): number => Math.floor(Date.now() / 1000);
