import * as z from 'zod/mini';
import { employeeIdSchema, jsonPointer, toFieldProblems, type ParseResult } from './enrollmentRequest.js';
import { stageSchema } from './hrApiSchemas.js';
import type { FieldProblem } from './problem.js';

export const defaultListLimit = 25;
export const maxListLimit = 100;

const queryLocation = { root: '#/query', unknownKey: 'unknown query parameter' } as const;
/** Where Azure Functions also accepts a function key (docs/hr-api.md). */
const functionKeyParameter = 'code';

/**
 * The query of `GET /api/enrollments`. Unknown parameters are refused, as unknown body fields are, so a misspelt
 * filter (`?stag=ready`) never silently lists everything.
 */
export const enrollmentListQuerySchema = z.strictObject({
  employeeId: z.optional(employeeIdSchema).check(z.meta({ description: "Only this employee's enrollments." })),
  stage: z.optional(stageSchema).check(z.meta({ description: 'Only enrollments at this stage.' })),
  limit: z._default(
    z.pipe(
      z.string().check(z.regex(/^\d+$/, `expected a whole number from 1 to ${maxListLimit}`)),
      z.pipe(
        z.transform(Number),
        z
          .int()
          .check(
            z.minimum(1, 'expected at least 1'),
            z.maximum(maxListLimit, `expected at most ${maxListLimit}`),
            z.meta({ description: 'At most this many enrollments on a page.' }),
          ),
      ),
    ),
    defaultListLimit,
  ),
  continuationToken: z.optional(
    z
      .string()
      .check(
        z.regex(/^[A-Za-z0-9_-]{1,2048}$/, 'expected the continuationToken of a previous page'),
        z.meta({ description: 'Where the previous page stopped: its continuationToken, unchanged.' }),
      ),
  ),
});

export type EnrollmentListQuery = z.output<typeof enrollmentListQuerySchema>;

/**
 * Validates a query string. A parameter given twice is refused rather than one of its values picked at random; the
 * host may also pass repeated values on joined by commas, which no parameter's pattern accepts.
 */
export function parseEnrollmentListQuery(query: URLSearchParams): ParseResult<EnrollmentListQuery> {
  const values = new Map<string, string>();
  const repeated: FieldProblem[] = [];
  for (const [name, value] of query) {
    // The function key, when sent as `code` rather than in x-functions-key: the host checks it, it filters nothing.
    if (name === functionKeyParameter) continue;
    if (!values.has(name)) values.set(name, value);
    else if (!repeated.some((problem) => problem.pointer === jsonPointer(queryLocation.root, [name]))) {
      repeated.push({ pointer: jsonPointer(queryLocation.root, [name]), detail: 'expected the parameter once' });
    }
  }
  // fromEntries defines own properties, so a parameter named __proto__ is refused as unknown, not merged in.
  const parsed = enrollmentListQuerySchema.safeParse(Object.fromEntries(values));
  const errors = [...repeated, ...(parsed.success ? [] : toFieldProblems(parsed.error, queryLocation))];
  if (!parsed.success || errors.length > 0) return { ok: false, errors };
  return { ok: true, value: parsed.data };
}
