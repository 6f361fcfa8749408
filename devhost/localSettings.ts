import { randomBytes } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalSettingsFile {
  readonly Values: Record<string, string>;
  readonly Host?: { readonly LocalHttpPort?: number };
  /** functionKey: HR's key on the HR functions; relyingServiceKey: the verify function's own key. */
  readonly DevHost?: { readonly functionKey?: string; readonly relyingServiceKey?: string };
}

const placeholders = new Set([
  'local-function-key-replaced-on-first-start',
  'local-relying-service-key-replaced-on-first-start',
]);
const isUnset = (key: string | undefined) => key === undefined || placeholders.has(key);

/**
 * Reads local.settings.json, creating it from the sample on first run with freshly generated function keys (so no
 * two machines share one); a file from before the verify API gets its relying-service key added. Returns whether it
 * was created.
 */
export async function ensureLocalSettings(
  root: string,
  path?: string,
): Promise<{ settings: LocalSettingsFile; created: boolean }> {
  const file = path ?? join(root, 'local.settings.json');
  let created = false;
  try {
    await readFile(file);
  } catch {
    await copyFile(join(root, 'local.settings.sample.json'), file);
    created = true;
  }
  const settings = JSON.parse(await readFile(file, 'utf8')) as LocalSettingsFile;
  const keys = settings.DevHost ?? {};
  if (isUnset(keys.functionKey) || isUnset(keys.relyingServiceKey)) {
    const fresh = () => randomBytes(24).toString('base64url');
    const updated = {
      ...settings,
      DevHost: {
        ...keys,
        functionKey: keys.functionKey !== undefined && !isUnset(keys.functionKey) ? keys.functionKey : fresh(),
        relyingServiceKey:
          keys.relyingServiceKey !== undefined && !isUnset(keys.relyingServiceKey) ? keys.relyingServiceKey : fresh(),
      },
    };
    await writeFile(file, `${JSON.stringify(updated, null, 2)}\n`);
    return { settings: updated, created };
  }
  return { settings, created };
}

/** The port of an http URL setting, for starting the local stand-in that the setting points at. */
export function portOf(url: string | undefined, fallback: number): number {
  if (url === undefined || url === '') return fallback;
  const parsed = new URL(url);
  return parsed.port === '' ? fallback : Number(parsed.port);
}
