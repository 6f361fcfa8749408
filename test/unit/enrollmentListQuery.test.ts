import { describe, expect, it } from 'vitest';
import { parseEnrollmentListQuery } from '../../core/enrollmentListQuery.js';

const parse = (query: string) => parseEnrollmentListQuery(new URLSearchParams(query));
const pointers = (query: string) => {
  const result = parse(query);
  return result.ok ? [] : result.errors.map((error) => error.pointer).sort();
};

describe('parseEnrollmentListQuery', () => {
  it('defaults the limit and passes the filters through', () => {
    expect(parse('')).toEqual({ ok: true, value: { limit: 25 } });
    expect(parse('employeeId=E1&stage=ready&limit=100&continuationToken=abc_-')).toEqual({
      ok: true,
      value: { employeeId: 'E1', stage: 'ready', limit: 100, continuationToken: 'abc_-' },
    });
  });

  it('leaves the function key sent as code to the host: it is neither a filter nor unknown', () => {
    expect(parse('code=the-key&stage=ready')).toEqual({ ok: true, value: { stage: 'ready', limit: 25 } });
    expect(pointers('code=the-key&codes=x')).toEqual(['#/query/codes']);
  });

  it('refuses a parameter given twice, once, whichever values it has', () => {
    expect(parse('limit=1&limit=1&limit=2')).toEqual({
      ok: false,
      errors: [{ pointer: '#/query/limit', detail: 'expected the parameter once' }],
    });
    expect(pointers('stage=ready&stage=issuing&employeeId=E1')).toEqual(['#/query/stage']);
  });

  it('refuses repeated values the host joined with commas', () => {
    expect(pointers('stage=ready,issuing&limit=1,2&employeeId=E1,E2&continuationToken=a,b')).toEqual([
      '#/query/continuationToken',
      '#/query/employeeId',
      '#/query/limit',
      '#/query/stage',
    ]);
  });

  it('names unknown parameters, __proto__ included', () => {
    expect(parse('__proto__=x&Stage=ready')).toEqual({
      ok: false,
      errors: [
        { pointer: '#/query/__proto__', detail: 'unknown query parameter' },
        { pointer: '#/query/Stage', detail: 'unknown query parameter' },
      ],
    });
  });

  it.each(['0', '101', '1.5', '-1', ' 5', '1e2', ''])('refuses limit=%j', (limit) => {
    expect(pointers(`limit=${encodeURIComponent(limit)}`)).toEqual(['#/query/limit']);
  });

  it('escapes pointers to oddly named parameters (RFC 6901)', () => {
    expect(pointers('a/b~c=1')).toEqual(['#/query/a~1b~0c']);
  });
});
