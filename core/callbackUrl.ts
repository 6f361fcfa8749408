import ipaddr from 'ipaddr.js';

/**
 * Where HR may ask to be called back. The request schema already guarantees an absolute http(s) URL without user
 * info; this adds what depends on the deployment: https only (plain http solely to a loopback host, and only with
 * local emulators), and, outside local emulation, no address the function app could reach but HR should not make it
 * call: server-side request forgery through the callback. A host name is resolved and every address it has is
 * checked, when HR gives the URL and again when each callback is sent (`callbackAddressProblem`), and the sender
 * connects only to the addresses it checked (adapters/hrCallbackSender.ts), so a name cannot be pointed elsewhere in
 * between.
 */
export function callbackUrlProblem(url: string, options: { readonly localEmulators: boolean }): string | undefined {
  const { protocol } = new URL(url);
  const hostname = hostOf(url);
  const loopback = isLoopbackHost(hostname);
  if (protocol === 'http:' && !(options.localEmulators && loopback)) {
    return options.localEmulators
      ? 'expected an https URL (plain http only to a loopback host such as 127.0.0.1)'
      : 'expected an https URL';
  }
  if (options.localEmulators) return undefined;
  const literal = ipLiteral(hostname);
  if (loopback || (literal !== undefined && !isPublicAddress(literal))) return unreachableHost;
  return undefined;
}

/** Looks a host name up: every address it has (A and AAAA), as text. */
export type ResolveHost = (hostname: string) => Promise<readonly string[]>;

/**
 * The URL's host checked by address: an IP literal as written, a name by every address it resolves to. Undefined
 * when the host may be called. A name that does not resolve is refused; a failing resolver throws (the caller decides
 * whether that is transient).
 */
export async function callbackAddressProblem(url: string, resolve: ResolveHost): Promise<string | undefined> {
  const hostname = hostOf(url);
  if (ipLiteral(hostname) !== undefined) return literalAddressProblem(url);
  const addresses = await resolve(hostname);
  if (addresses.length === 0) return 'expected a host name that resolves to an address';
  return addresses.every((address) => isCallableAddress(address)) ? undefined : unreachableHost;
}

/** The problem with the URL's host when it is an IP literal that may not be called; undefined for a name. */
export function literalAddressProblem(url: string): string | undefined {
  const literal = ipLiteral(hostOf(url));
  return literal === undefined || isPublicAddress(literal) ? undefined : unreachableHost;
}

/** Whether a resolved address may be called back: public unicast, and none of Azure's own platform endpoints. */
export function isCallableAddress(address: string): boolean {
  return ipaddr.isValid(address) && isPublicAddress(ipaddr.parse(address));
}

const unreachableHost =
  'expected a host HR can be reached at; loopback, private, link-local and platform addresses are refused';

/**
 * Azure's platform endpoints every VM and App Service worker reaches: the wire server and DNS (168.63.129.16, a
 * public address) and the instance metadata service (169.254.169.254, link-local, refused as such anyway).
 */
const azurePlatformAddresses = new Set(['168.63.129.16', '169.254.169.254']);

/**
 * IPv6 forms that carry an IPv4 address, judged by that address: IPv4-mapped (::ffff:a.b.c.d), IPv4-translated
 * (::ffff:0:a.b.c.d) and well-known NAT64 (64:ff9b::/96) in their last 32 bits, 6to4 (2002::/16) in bits 16-47.
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const parts = address.parts;
  const fromGroups = (high: number | undefined, low: number | undefined) =>
    new ipaddr.IPv4([(high ?? 0) >> 8, (high ?? 0) & 0xff, (low ?? 0) >> 8, (low ?? 0) & 0xff]);
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return fromGroups(parts[6], parts[7]);
    case 'rfc6052':
      // 64:ff9b:1::/48 is for local use: private by definition, so it has nothing to judge (refused below).
      return parts[2] === 0 ? fromGroups(parts[6], parts[7]) : undefined;
    case '6to4':
      return fromGroups(parts[1], parts[2]);
    default:
      return undefined;
  }
}

/**
 * Public unicast only, by ipaddr.js's own ranges: never unspecified, broadcast, multicast, loopback, private,
 * carrier-grade NAT, link-local, unique-local, site-local, documentation or other reserved space, nor an IPv6 form of
 * an IPv4 address that is any of those.
 */
function isPublicAddress(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address instanceof ipaddr.IPv4) {
    return address.range() === 'unicast' && !azurePlatformAddresses.has(address.toString());
  }
  if (address.zoneId !== undefined) return false;
  const range: string = address.range();
  if (range === 'unicast') return true;
  const embedded = embeddedIpv4(address);
  return embedded !== undefined && isPublicAddress(embedded);
}

/** The URL's host as the WHATWG parser leaves it, without a trailing dot (`localhost.` is `localhost`). */
function hostOf(url: string): string {
  return new URL(url).hostname.replace(/\.$/, '');
}

/** The host as an address when it is an IP literal (IPv6 in brackets, as the URL parser writes it). */
function ipLiteral(hostname: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const text = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  // The URL parser has already turned every IPv4 spelling (0x7f.1, 2130706433) into dotted decimal.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  return hostname.startsWith('[') && ipaddr.IPv6.isValid(text) ? ipaddr.IPv6.parse(text) : undefined;
}

function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  const literal = ipLiteral(hostname);
  return literal !== undefined && ipaddr.process(literal.toString()).range() === 'loopback';
}
