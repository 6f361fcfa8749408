import { format, resolveConfig } from 'prettier';
import { buildApiDocument } from '../core/openapi/document.js';

/** Where the committed document lives, relative to the repository root. */
export const openApiFilePath = 'docs/openapi.json';

/**
 * The committed document's text: the server is the neutral `/`, so the file does not depend on any deployment's
 * settings, and the JSON is formatted the way Prettier formats the repository (`npm run lint` checks it).
 */
export async function renderOpenApiFile(absolutePath: string): Promise<string> {
  const config = (await resolveConfig(absolutePath)) ?? {};
  return format(JSON.stringify(buildApiDocument('/')), { ...config, filepath: absolutePath });
}
