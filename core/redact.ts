/**
 * The one redaction helper every log line goes through. Secrets should never reach a log in the first place; this is
 * the safety net for the shapes they have here: link tokens (43 base64url characters), app passwords (16 lowercase
 * letters, grouped or not), one-time codes (6 digits) and bearer tokens.
 */
const patterns: readonly [RegExp, string][] = [
  [/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]'],
  [/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, '[redacted-token]'],
  [/(?<![a-z])[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4}(?![a-z])/g, '[redacted-password]'],
  [/(?<![A-Za-z0-9])[a-z]{16}(?![A-Za-z0-9])/g, '[redacted-password]'],
  // Bounded by non-alphanumerics, so ids and hashes that merely contain six digits in a row stay searchable.
  [/(?<![A-Za-z0-9])\d{6}(?![A-Za-z0-9])/g, '[redacted-code]'],
];

export function redact(text: string): string {
  return patterns.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}
