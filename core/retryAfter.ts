/**
 * A `Retry-After` value (RFC 9110: delay-seconds or an HTTP date) as milliseconds from `now`; undefined when absent
 * or unreadable. Every adapter reads its service's header with this, so Durable's retry waits what was asked.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates end in GMT (RFC 9110); Date.parse alone would also take "1.5" or "-5" for dates.
  if (!/GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
