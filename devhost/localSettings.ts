import { randomBytes } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalSettingsFile {
  readonly Values: Record<string, string>;
  readonly Host?: { readonly LocalHttpPort?: number };
  readonly DevHost?: { readonly functionKey?: string };
}

const placeholderKey = 'local-function-key-replaced-on-first-start';

/**
 * Reads local.settings.json, creating it from the sample on first run with a freshly generated function key (so no
 * two machines share one). Returns whether it was created.
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
  if (settings.DevHost?.functionKey === undefined || settings.DevHost.functionKey === placeholderKey) {
    const updated = {
      ...settings,
      DevHost: { ...settings.DevHost, functionKey: randomBytes(24).toString('base64url') },
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
