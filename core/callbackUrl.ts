/**
 * Where HR may ask to be called back. The request schema already guarantees an absolute http(s) URL without user
 * info; this adds what depends on the deployment: https only (plain http solely to a loopback host, and only with
 * local emulators), and, outside local emulation, no IP literal the function app could reach but HR should not make
 * it call (loopback, private, link-local such as the 169.254.169.254 metadata endpoint, and the like): server-side
 * request forgery through the callback.
 *
 * Host names are not resolved here: a name may legitimately point at a private address reached over VNet
 * integration, and a check at start time would not bind the later connection anyway (see SECURITY.md).
 */
export function callbackUrlProblem(url: string, options: { readonly localEmulators: boolean }): string | undefined {
  const { protocol, hostname } = new URL(url);
  const loopback = isLoopbackHost(hostname);
  if (protocol === 'http:' && !(options.localEmulators && loopback)) {
    return options.localEmulators
      ? 'expected an https URL (plain http only to a loopback host such as 127.0.0.1)'
      : 'expected an https URL';
  }
  if (!options.localEmulators && (loopback || isInternalIpLiteral(hostname))) {
    return 'expected a host HR can be reached at; loopback, private and link-local addresses are refused';
  }
  return undefined;
}

function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  const v4 = ipv4Octets(hostname);
  if (v4 !== undefined) return v4[0] === 127;
  return hostname === '[::1]';
}

/** `hostname` as the WHATWG URL parser leaves it: IPv4 in dotted decimal (even when written as 0x7f.1), IPv6 in []. */
function isInternalIpLiteral(hostname: string): boolean {
  const v4 = ipv4Octets(hostname);
  if (v4 !== undefined) return isInternalIpv4(v4);
  const v6 = hostname.startsWith('[') ? ipv6Groups(hostname.slice(1, -1)) : undefined;
  return v6 !== undefined && isInternalIpv6(v6);
}

function ipv4Octets(hostname: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostname);
  return match === null ? undefined : match.slice(1).map(Number);
}

function isInternalIpv4([a = 0, b = 0, c = 0]: readonly number[]): boolean {
  return (
    a === 0 || // "this network"
    a === 10 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    a === 127 ||
    (a === 169 && b === 254) || // link-local, cloud metadata endpoints
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && c === 0) || // IETF protocol assignments
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast, reserved, broadcast
  );
}

/** The eight 16-bit groups of a canonical IPv6 address (the URL parser writes no embedded dotted IPv4). */
function ipv6Groups(address: string): number[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail].map((group) => Number.parseInt(group, 16));
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined;
}

function isInternalIpv6(groups: readonly number[]): boolean {
  const [first = 0, second = 0] = groups;
  const embeddedIpv4 = () => {
    const high = groups[6] ?? 0;
    const low = groups[7] ?? 0;
    return [high >> 8, high & 0xff, low >> 8, low & 0xff];
  };
  // ::, ::1, IPv4-compatible and IPv4-mapped (::ffff:a.b.c.d) addresses: the first 80 bits are zero.
  if (groups.slice(0, 5).every((group) => group === 0)) return true;
  // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
  if (first === 0x64 && second === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return isInternalIpv4(embeddedIpv4());
  }
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xff00) === 0xff00 // multicast
  );
}
