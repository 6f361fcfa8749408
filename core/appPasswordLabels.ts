import type { EnrollmentRecord } from './ports.js';

/** Labels HR did not choose: `device-1`, `device-2`, … (the first one free for the user). */
const generatedLabelPrefix = 'device-';

/**
 * The label an enrollment's password is filed under. Every enrollment started since labels exist has one; earlier
 * ones get a stable label derived from their id.
 */
export function labelOf(record: Pick<EnrollmentRecord, 'deviceLabel' | 'enrollmentId'>): string {
  return record.deviceLabel ?? `enrollment-${record.enrollmentId.slice(0, 8)}`;
}

/** The first generated label no existing one uses (labels compare ignoring case, as the store keys them). */
export function firstFreeLabel(taken: readonly string[]): string {
  const used = new Set(taken.map((label) => label.toLowerCase()));
  for (let n = 1; ; n += 1) {
    const candidate = `${generatedLabelPrefix}${n}`;
    if (!used.has(candidate)) return candidate;
  }
}
