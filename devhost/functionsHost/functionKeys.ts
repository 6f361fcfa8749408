import type { HttpRoute } from './httpRoutes.js';

/** The keys the local host accepts, as FunctionsHostOptions gives them. */
export interface HostKeys {
  /**
   * Keys accepted for authLevel "function" (x-functions-key header or code query parameter) by every function not in
   * `keysByFunction`. In Azure a host key would open every function; the runbook hands out function keys only (HR's
   * on the HR functions, the relying services' on the verify function), and this models that set-up.
   */
  readonly functionKeys: readonly string[];
  /** Function keys of individual functions, which then accept these instead of `functionKeys`. */
  readonly keysByFunction?: Readonly<Record<string, readonly string[]>>;
  /** Keys accepted for authLevel "admin" (and "function"). */
  readonly masterKeys?: readonly string[];
}

/**
 * Whether `presented` (the x-functions-key header, else the code query parameter) opens `route`: anything opens an
 * anonymous one, only a master key an admin one, and a function's own keys (or the shared ones when it has none) or a
 * master key the rest.
 */
export function keyOpens(route: HttpRoute, keys: HostKeys, presented: string | string[] | undefined): boolean {
  if (route.authLevel === 'anonymous') return true;
  const accepted =
    route.authLevel === 'admin'
      ? (keys.masterKeys ?? [])
      : [...(keys.keysByFunction?.[route.registration.metadata.name] ?? keys.functionKeys), ...(keys.masterKeys ?? [])];
  return typeof presented === 'string' && accepted.includes(presented);
}
