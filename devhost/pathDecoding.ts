/**
 * Decodes a URL path (or one segment of it) the way ASP.NET Core's `UrlDecoder` does for the Functions host
 * (dotnet/aspnetcore src/Shared/UrlDecoder/UrlDecoder.cs): each `%XX` run that spells valid UTF-8 is decoded, anything
 * else is left exactly as it came (`%ZZ`, a lone `%`, `%FF`), and `%2F` stays encoded so it never becomes a path
 * separator. So `/e/%ZZ` reaches the function with the parameter `%ZZ`, and the app answers it as it answers any other
 * malformed link. Only `%00` is refused, as Kestrel refuses it ("Invalid request target"): undefined then.
 */
export function decodePath(raw: string): string | undefined {
  let out = '';
  let index = 0;
  while (index < raw.length) {
    const byte = byteAt(raw, index);
    if (byte === undefined) {
      out += raw[index] ?? '';
      index += 1;
      continue;
    }
    if (byte === 0) return undefined;
    const length = sequenceLength(byte);
    const bytes = [byte];
    for (let next = 1; next < length; next += 1) {
      const continuation = byteAt(raw, index + next * 3);
      if (continuation === undefined) break;
      bytes.push(continuation);
    }
    const decoded = bytes.length === length ? utf8(bytes) : undefined;
    if (decoded === undefined || decoded === '/') {
      out += raw.slice(index, index + 3);
      index += 3;
    } else {
      out += decoded;
      index += length * 3;
    }
  }
  return out;
}

/** The byte a `%XX` at `index` spells, if one is there. */
function byteAt(text: string, index: number): number | undefined {
  if (text[index] !== '%') return undefined;
  const hex = text.slice(index + 1, index + 3);
  return /^[0-9A-Fa-f]{2}$/.test(hex) ? Number.parseInt(hex, 16) : undefined;
}

/** How many bytes a UTF-8 sequence starting with `lead` has; 1 for a byte that cannot start one (left undecoded). */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: readonly number[]): string | undefined {
  if (bytes.length === 1 && (bytes[0] ?? 0x80) >= 0x80) return undefined;
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}
