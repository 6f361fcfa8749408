import ipaddr from 'ipaddr.js';

/**
 * IP address text as this service accepts and keys it, on `ipaddr.js` rather than hand-written patterns: IPv4 only in
 * four-part dotted decimal (never `127.1` or `0x7f.0.0.1`, which some parsers take), IPv6 in any RFC 4291 text form
 * without a zone (`%eth0`), which names an interface on someone else's machine.
 */
export function isIpAddress(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || (ipaddr.IPv6.isValid(text) && !text.includes('%'));
}

/**
 * One spelling per address, for keys and audit rows: IPv4-mapped IPv6 (`::ffff:203.0.113.7`, how a dual-stack socket
 * reports an IPv4 peer) as the IPv4 address, IPv6 in its RFC 5952 form (`2001:db8::7`). Undefined for anything that
 * is not an address by `isIpAddress`.
 */
export function canonicalIpAddress(text: string): string | undefined {
  if (!isIpAddress(text)) return undefined;
  return ipaddr.process(text).toString();
}

/**
 * The address in one `X-Forwarded-For` entry. App Service's front end writes the connecting client as `address:port`
 * (`203.0.113.7:52114`); IPv6 may come bracketed with a port (`[2001:db8::7]:52114`) or bare. The port must go: it
 * changes with every connection, so a limit keyed on it would be no limit.
 */
export function addressOfForwardedEntry(entry: string): string | undefined {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed !== null) return canonicalIpAddress(bracketed[1] ?? '');
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  return canonicalIpAddress(withPort?.[1] ?? text);
}
