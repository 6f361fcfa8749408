import { parseJson, validName } from './secretInput.js';
import type { SecretStore } from './secretStore.js';
import { methodNotAllowed, notFoundRoute, type Reply } from './vaultError.js';

/** An answer, and whether it changed the secrets (then the data file is rewritten before it is sent). */
export type RoutedReply = Reply & { mutated?: true };

/**
 * The secrets data-plane operations the SDK uses, by method and path segments: `/secrets`, `/secrets/{name}[/{version}]`,
 * `/secrets/{name}/versions`, `/deletedsecrets[/{name}[/recover]]`. `base` is the vault's URL for the bundles' ids.
 */
export function routeVaultRequest(
  store: SecretStore,
  method: string,
  segments: readonly string[],
  text: string,
  base: string,
): RoutedReply {
  const [collection, rawName, rest, ...extra] = segments;
  if (extra.length > 0) throw notFoundRoute();
  const isCollection = rawName === undefined || (rawName === '' && rest === undefined);
  if (collection === 'secrets') {
    if (isCollection) return readOnly(method, () => store.list(base));
    return secretRoute(store, method, validName(rawName), rest, text, base);
  }
  if (collection === 'deletedsecrets') {
    if (isCollection) return readOnly(method, () => store.listDeleted(base));
    return deletedSecretRoute(store, method, validName(rawName), rest, base);
  }
  throw notFoundRoute();
}

function readOnly(method: string, list: () => unknown): RoutedReply {
  if (method === 'GET') return { status: 200, body: list() };
  throw methodNotAllowed(method);
}

function secretRoute(
  store: SecretStore,
  method: string,
  name: string,
  rest: string | undefined,
  text: string,
  base: string,
): RoutedReply {
  if (rest === 'versions') return readOnly(method, () => store.listVersions(base, name));
  // `/secrets/{name}` and `/secrets/{name}/` both mean the current version; the SDK uses the latter.
  const version = rest ?? '';
  if (method === 'GET') return { status: 200, body: store.get(base, name, version) };
  if (method === 'PATCH')
    return { status: 200, body: store.update(base, name, version, parseJson(text)), mutated: true };
  if (rest === undefined && method === 'PUT') {
    return { status: 200, body: store.set(base, name, parseJson(text)), mutated: true };
  }
  if (rest === undefined && method === 'DELETE') return { status: 200, body: store.delete(base, name), mutated: true };
  throw methodNotAllowed(method);
}

function deletedSecretRoute(
  store: SecretStore,
  method: string,
  name: string,
  rest: string | undefined,
  base: string,
): RoutedReply {
  if (rest === 'recover' && method === 'POST') return { status: 200, body: store.recover(base, name), mutated: true };
  if (rest !== undefined) throw notFoundRoute();
  if (method === 'GET') return { status: 200, body: store.getDeleted(base, name) };
  if (method === 'DELETE') {
    store.purge(name);
    return { status: 204, mutated: true };
  }
  throw methodNotAllowed(method);
}
