import { readJsonFile } from '../jsonFile.js';
import { isRecord } from '../localHttp.js';
import type { SecretRecord, SecretVersion } from './secretStore.js';

/* The local vault's data file: its secrets as JSON, so a restart keeps them. */

export const dataFormat = 'local-vault/1';

/** The data file's content. */
export interface VaultFile {
  readonly format: typeof dataFormat;
  readonly secrets: readonly SecretRecord[];
}

/** The records in `dataFile`, none when it does not exist; rejects when it exists but is not vault state. */
export async function loadSecretRecords(dataFile: string): Promise<readonly SecretRecord[]> {
  const unusable = (cause: unknown): Error => {
    // JSON.parse throws a SyntaxError; parseVaultFile throws plain Errors that say what is wrong with the shape.
    const why = cause instanceof SyntaxError ? 'not JSON' : (cause as Error).message;
    return new Error(`Local vault data file ${dataFile} is not usable: ${why}`);
  };
  const file = await readJsonFile(dataFile, parseVaultFile, unusable);
  return file?.secrets ?? [];
}

function parseVaultFile(parsed: unknown): VaultFile {
  if (!isRecord(parsed) || parsed['format'] !== dataFormat || !Array.isArray(parsed['secrets'])) {
    throw new Error(`expected {"format":"${dataFormat}","secrets":[...]}`);
  }
  const secrets = (parsed['secrets'] as unknown[]).map((item) => {
    const record = toRecord(item);
    if (record === undefined) throw new Error('a secret entry has the wrong shape');
    return record;
  });
  return { format: dataFormat, secrets };
}

function toRecord(item: unknown): SecretRecord | undefined {
  if (!isRecord(item) || typeof item['name'] !== 'string' || !Array.isArray(item['versions'])) return undefined;
  const versions: SecretVersion[] = [];
  for (const entry of item['versions'] as unknown[]) {
    const version = toVersion(entry);
    if (version === undefined) return undefined;
    versions.push(version);
  }
  const deleted = item['deleted'];
  return {
    name: item['name'],
    versions,
    deleted:
      isRecord(deleted) &&
      typeof deleted['deletedDate'] === 'number' &&
      typeof deleted['scheduledPurgeDate'] === 'number'
        ? { deletedDate: deleted['deletedDate'], scheduledPurgeDate: deleted['scheduledPurgeDate'] }
        : undefined,
  };
}

function toVersion(entry: unknown): SecretVersion | undefined {
  if (
    !isRecord(entry) ||
    typeof entry['version'] !== 'string' ||
    typeof entry['value'] !== 'string' ||
    typeof entry['enabled'] !== 'boolean' ||
    typeof entry['created'] !== 'number' ||
    typeof entry['updated'] !== 'number'
  ) {
    return undefined;
  }
  const tags = entry['tags'];
  return {
    version: entry['version'],
    value: entry['value'],
    contentType: typeof entry['contentType'] === 'string' ? entry['contentType'] : undefined,
    tags: isRecord(tags) ? Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)])) : undefined,
    enabled: entry['enabled'],
    created: entry['created'],
    updated: entry['updated'],
    nbf: typeof entry['nbf'] === 'number' ? entry['nbf'] : undefined,
    exp: typeof entry['exp'] === 'number' ? entry['exp'] : undefined,
  };
}
