/**
 * RFC 9457 problem details. Handlers throw `ProblemError`s; one mapper in functions/ turns any error into a
 * problem document, so every 4xx and 5xx has the same shape.
 */
import * as z from 'zod/mini';

export const fieldProblemSchema = z
  .object({
    pointer: z.string().check(
      z.meta({
        description:
          'JSON Pointer (RFC 6901) into the request body, or #/path/<name> for a path parameter, #/query/<name> for ' +
          'a query parameter.',
      }),
    ),
    detail: z.string(),
  })
  .check(z.meta({ title: 'Field problem' }));

export type FieldProblem = z.output<typeof fieldProblemSchema>;

export const problemDocumentSchema = z
  .object({
    type: z.string().check(z.meta({ description: 'A URN naming the kind of problem; stable, for code to branch on.' })),
    title: z.string(),
    status: z.int().check(z.minimum(100), z.maximum(599), z.meta({ description: 'The HTTP status code.' })),
    detail: z.optional(z.string()),
    errors: z.optional(
      z.array(fieldProblemSchema).check(z.meta({ description: 'Every validation problem at once, by field.' })),
    ),
  })
  .check(z.meta({ title: 'Problem details (RFC 9457)' }));

export type ProblemDocument = z.output<typeof problemDocumentSchema>;

const typeBase = 'urn:app-password-enrollment:problem:';

export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly problem: ProblemDocument;

  constructor(problem: ProblemDocument) {
    super(problem.detail ?? problem.title);
    this.problem = problem;
  }
}

export const isProblemError = (error: unknown): error is ProblemError => error instanceof ProblemError;

function problem(slug: string, status: number, title: string, detail?: string, errors?: readonly FieldProblem[]) {
  return new ProblemError({
    type: `${typeBase}${slug}`,
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    ...(errors === undefined ? {} : { errors: [...errors] }),
  });
}

export const problems = {
  validation: (errors: readonly FieldProblem[]) =>
    problem(
      'validation',
      400,
      'The request is not valid',
      errors.map((error) => `${error.pointer}: ${error.detail}`).join('; '),
      errors,
    ),
  malformedJson: () =>
    problem('malformed-json', 400, 'The request body is not valid JSON', 'The body could not be parsed as JSON.'),
  unauthorized: () => problem('unauthorized', 401, 'A valid function key is required'),
  notFound: (detail: string) => problem('not-found', 404, 'Not found', detail),
  methodNotAllowed: (detail: string) => problem('method-not-allowed', 405, 'Method not allowed', detail),
  conflict: (detail: string) => problem('conflict', 409, 'Conflict', detail),
  gone: (detail: string) => problem('gone', 410, 'Gone', detail),
  payloadTooLarge: (limitBytes: number) =>
    problem('payload-too-large', 413, 'The request body is too large', `At most ${limitBytes} bytes are accepted.`),
  unsupportedMediaType: (expected: string) =>
    problem('unsupported-media-type', 415, 'Unsupported media type', `Send the body as ${expected}.`),
  tooManyRequests: (detail: string) => problem('too-many-requests', 429, 'Too many requests', detail),
  unavailable: (detail: string) => problem('unavailable', 503, 'Temporarily unavailable', detail),
  internal: () =>
    problem('internal', 500, 'Internal error', 'The request could not be completed. It has been logged; try again.'),
};
