import { describe, expect, it } from 'vitest';
import { isProblemError, ProblemError, problems, type FieldProblem } from '../../core/problem.js';

const typeBase = 'urn:app-password-enrollment:problem:';

describe('problems', () => {
  it.each([
    ['malformedJson', problems.malformedJson(), 400, 'malformed-json', 'The request body is not valid JSON'],
    ['unauthorized', problems.unauthorized(), 401, 'unauthorized', 'A valid function key is required'],
    ['notFound', problems.notFound('no such enrollment'), 404, 'not-found', 'Not found'],
    ['methodNotAllowed', problems.methodNotAllowed('use POST'), 405, 'method-not-allowed', 'Method not allowed'],
    ['conflict', problems.conflict('already exists'), 409, 'conflict', 'Conflict'],
    ['gone', problems.gone('link used'), 410, 'gone', 'Gone'],
    ['payloadTooLarge', problems.payloadTooLarge(1024), 413, 'payload-too-large', 'The request body is too large'],
    [
      'unsupportedMediaType',
      problems.unsupportedMediaType('application/json'),
      415,
      'unsupported-media-type',
      'Unsupported media type',
    ],
    ['unavailable', problems.unavailable('try later'), 503, 'unavailable', 'Temporarily unavailable'],
    ['internal', problems.internal(), 500, 'internal', 'Internal error'],
    ['validation', problems.validation([]), 400, 'validation', 'The request is not valid'],
  ] as const)('%s has status %d and type %s', (_name, error, status, slug, title) => {
    expect(error).toBeInstanceOf(ProblemError);
    expect(isProblemError(error)).toBe(true);
    expect(error.name).toBe('ProblemError');
    expect(error.problem.status).toBe(status);
    expect(error.problem.type).toBe(`${typeBase}${slug}`);
    expect(error.problem.title).toBe(title);
  });

  it('passes the caller detail through and uses it as the error message', () => {
    const error = problems.notFound('No enrollment with that id.');
    expect(error.problem.detail).toBe('No enrollment with that id.');
    expect(error.message).toBe('No enrollment with that id.');
  });

  it('puts the limit into the payload-too-large detail', () => {
    expect(problems.payloadTooLarge(65_536).problem.detail).toContain('65536');
  });

  it('names the expected media type', () => {
    expect(problems.unsupportedMediaType('application/json').problem.detail).toContain('application/json');
  });

  it('omits detail when there is none and falls back to the title as message', () => {
    const error = problems.unauthorized();
    expect('detail' in error.problem).toBe(false);
    expect('errors' in error.problem).toBe(false);
    expect(error.message).toBe('A valid function key is required');
  });

  it('lists every pointer in the validation detail and keeps the field errors', () => {
    const errors: FieldProblem[] = [
      { pointer: '/employeeId', detail: 'expected 1-64 letters' },
      { pointer: '/contact/phone', detail: 'expected an E.164 phone number' },
    ];
    const error = problems.validation(errors);
    expect(error.problem.errors).toEqual(errors);
    expect(error.problem.detail).toBe(
      '/employeeId: expected 1-64 letters; /contact/phone: expected an E.164 phone number',
    );
  });

  it('does not treat other errors as problems', () => {
    expect(isProblemError(new Error('x'))).toBe(false);
    expect(isProblemError({ problem: { status: 400 } })).toBe(false);
  });
});
