import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { FieldProblem } from './problem.js';
import type { Locale } from './ports.js';

/**
 * Characters that change how the text around them reads without being seen: bidirectional embeddings, overrides and
 * isolates (U+202A-202E, U+2066-2069), zero-width and other invisible marks (U+200B-200F, U+2060, U+FEFF), and line
 * and paragraph separators (U+2028, U+2029). A name or label holding them can spoof another in HR's lists, e-mails
 * and logs ("Trojan Source", CVE-2021-42574).
 */
const invisible = /[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;

export const printable = (max: number, what: string) =>
  z.string({ error: `expected ${what} as a string` }).check(
    z.trim(),
    z.minLength(1, `expected ${what}`),
    z.maxLength(max, `expected at most ${max} characters`),
    // C0 and C1 controls, NEL (U+0085) among them.
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    z.regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'control characters are not allowed'),
    z.refine((text) => !invisible.test(text), 'invisible and text-direction characters are not allowed'),
  );

/** A device label: what HR calls the device or app the password is for ("Anna's iPhone", "printer-3"). */
export const deviceLabelSchema = printable(64, 'a device label');

export const email = (what: string) =>
  z
    .email({ error: `expected ${what} as an e-mail address` })
    .check(z.maxLength(254, 'expected at most 254 characters'));

function isAbsoluteHttpUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}

/** Credentials in a callback URL would be stored with the enrollment and sent along on every callback. */
function hasNoUserInfo(text: string): boolean {
  if (!URL.canParse(text)) return true;
  const url = new URL(text);
  return url.username === '' && url.password === '';
}

/**
 * Where to POST the signed stage-change events. Only the shape is checked here; what the deployment allows (https,
 * no internal addresses) is checked by the start handler with core/callbackUrl.ts.
 */
const callbackUrl = z
  .string({ error: 'expected the callback URL as a string' })
  .check(
    z.maxLength(2048, 'expected at most 2048 characters'),
    z.refine(isAbsoluteHttpUrl, 'expected an absolute http(s) URL'),
    z.refine(hasNoUserInfo, 'expected a URL without a user name or password'),
  );

/** HR's own id for the employee; also the filter of the enrollment listing. */
export const employeeIdSchema = z
  .string({ error: 'expected the employee id as a string' })
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, dots, dashes or underscores'));

/** The HR request to start an enrollment. Unknown fields are refused so typos never pass silently. */
export const enrollmentRequestSchema = z.strictObject({
  employeeId: employeeIdSchema,
  userPrincipalName: email('the user principal name'),
  displayName: printable(200, 'a display name'),
  inviteEmail: email('the invitation address'),
  contact: z
    .strictObject(
      {
        email: z.optional(email('the contact address')),
        phone: z.optional(
          z
            .string({ error: 'expected the phone number as a string' })
            .check(z.regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 phone number such as +4520123456')),
        ),
      },
      { error: 'expected an object with email and/or phone' },
    )
    .check(
      z.refine((contact) => contact.email !== undefined || contact.phone !== undefined, {
        message: 'expected at least one of email or phone',
      }),
      z.meta({ description: 'Where the employee gets one-time codes: at least one of email or phone.' }),
    ),
  locale: z.optional(z.enum(['da', 'en'], { error: 'expected da or en' })),
  deviceLabel: z.optional(deviceLabelSchema),
  callbackUrl: z.optional(callbackUrl),
});

export type EnrollmentRequestBody = z.output<typeof enrollmentRequestSchema>;

export interface EnrollmentRequest extends Omit<EnrollmentRequestBody, 'locale' | 'contact'> {
  readonly locale: Locale;
  readonly contact: { readonly email?: string; readonly phone?: string };
}

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: FieldProblem[] };

/** Validates a parsed JSON body; the result's errors point at the offending fields (JSON Pointer). */
export function parseEnrollmentRequest(body: unknown, defaultLocale: Locale): ParseResult<EnrollmentRequest> {
  const parsed = parseBody(enrollmentRequestSchema, body);
  if (!parsed.ok) return parsed;
  const { locale, contact, deviceLabel, callbackUrl, ...rest } = parsed.value;
  return {
    ok: true,
    value: {
      ...rest,
      locale: locale ?? defaultLocale,
      contact: {
        ...(contact.email === undefined ? {} : { email: contact.email }),
        ...(contact.phone === undefined ? {} : { phone: contact.phone }),
      },
      ...(deviceLabel === undefined ? {} : { deviceLabel }),
      ...(callbackUrl === undefined ? {} : { callbackUrl }),
    },
  };
}

/** Where the validated value came from: the body (plain JSON Pointers) or, say, the query string (`#/query`). */
export interface ProblemLocation {
  /** Prefix of every pointer: '' for the body, `#/query` for query parameters. */
  readonly root: string;
  /** What an unknown key is called there. */
  readonly unknownKey: string;
}

const bodyLocation: ProblemLocation = { root: '', unknownKey: 'unknown field' };

/** Parses a JSON body with a request schema; on failure, every problem with a pointer at its field. */
export function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown): ParseResult<T> {
  const parsed = schema.safeParse(body);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: toFieldProblems(parsed.error) };
}

export function toFieldProblems(error: z.core.$ZodError, location: ProblemLocation = bodyLocation): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        pointer: jsonPointer(location.root, [...issue.path, key]),
        detail: location.unknownKey,
      }));
    }
    return [{ pointer: jsonPointer(location.root, issue.path), detail: issue.message }];
  });
}

/** A JSON Pointer (RFC 6901) to `path` below `root`. */
export function jsonPointer(root: string, path: readonly PropertyKey[]): string {
  return `${root}/${path.map((part) => String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

/**
 * The idempotency fingerprint: SHA-256 of the normalised request with keys sorted, so the same request sent with
 * fields in another order, or with the default locale spelled out, is still "the same body".
 */
export function fingerprintRequest(request: object): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
