import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  ApiDescriptionError,
  buildOpenApiDocument,
  type ApiDescription,
  type ApiOperation,
} from '../../core/openapi/builder.js';
import { apiDescription, buildApiDocument } from '../../core/openapi/document.js';
import { problemResponse } from '../../core/openapi/responses.js';
import { callers } from '../../core/openapi/security.js';
import { openApiFilePath, renderOpenApiFile } from '../../scripts/openApiFile.js';

const committedPath = fileURLToPath(new URL(`../../${openApiFilePath}`, import.meta.url));

async function validate(document: object): Promise<unknown> {
  const result = await new Validator().validate(structuredClone(document) as Record<string, unknown>);
  return result.valid ? 'valid' : result.errors;
}

describe('docs/openapi.json', () => {
  it('is what the schemas generate today', async () => {
    const committed = await readFile(committedPath, 'utf8');
    expect(
      committed === (await renderOpenApiFile(committedPath)),
      `${openApiFilePath} is stale: run npm run openapi and commit the result`,
    ).toBe(true);
  });

  it('is a valid OpenAPI 3.1 document, as is the served one', async () => {
    const committed = JSON.parse(await readFile(committedPath, 'utf8')) as Record<string, unknown>;
    expect(committed['openapi']).toMatch(/^3\.1\./);
    expect(await validate(committed)).toBe('valid');
    expect(await validate(buildApiDocument('https://enroll.contoso.example'))).toBe('valid');
    // The validator is not vacuous.
    expect(await validate({ ...committed, paths: { '/x': { get: { responses: 'none' } } } })).not.toBe('valid');
  });

  it('has a neutral server, so it does not depend on any deployment', () => {
    expect(buildApiDocument('/').servers).toEqual([{ url: '/' }]);
  });

  it('describes every route, each with the key its callers hold (the verify call only the relying services’)', () => {
    const document = buildApiDocument('/');
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(operations.map(({ route }) => route).sort()).toEqual([
      'DELETE /api/users/{upn}/app-passwords',
      'DELETE /api/users/{upn}/app-passwords/{label}',
      'GET /api/enrollments',
      'GET /api/enrollments/{id}',
      'GET /api/openapi.json',
      'GET /api/users/{upn}/app-passwords',
      'POST /api/app-passwords/verify',
      'POST /api/enrollments',
      'POST /api/enrollments/{id}/app-passwords',
      'POST /api/enrollments/{id}/cancel',
      'POST /api/enrollments/{id}/events/{event}',
    ]);
    const expected = (route: string) => {
      if (route === 'GET /api/openapi.json') return [];
      if (route === 'POST /api/app-passwords/verify') return [{ relyingServiceKey: [] }];
      return [{ functionKey: [] }, { functionKeyQuery: [] }];
    };
    for (const { route, operation } of operations) expect(operation['security'], route).toEqual(expected(route));
  });

  it('describes the HR callback as a webhook whose body is the event schema the sender uses', () => {
    const document = buildApiDocument('/');
    const webhook = document.webhooks?.['enrollmentStageChanged']?.['post'] as {
      requestBody: { content: Record<string, unknown> };
    };
    expect(Object.keys(webhook.requestBody.content)).toEqual(['application/json']);
    expect(JSON.stringify(webhook)).toContain('enrollment.stage-changed');
  });

  it('describes requests as sent and responses as answered (the list limit: digits in, integer with a default)', () => {
    const document = buildApiDocument('/');
    const list = document.paths['/api/enrollments']?.['get'] as { parameters: Record<string, unknown>[] };
    expect(list.parameters.find((parameter) => parameter['name'] === 'limit')).toEqual({
      name: 'limit',
      in: 'query',
      required: false,
      description: 'At most this many enrollments on a page.',
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 },
    });
    const request = document.components.schemas['EnrollmentRequest'] as { required: string[] };
    expect(request.required).not.toContain('locale');
  });
});

describe('buildOpenApiDocument', () => {
  const ping: ApiOperation = {
    method: 'get',
    path: '/api/ping/{name}',
    operationId: 'ping',
    summary: 'Ping',
    security: callers.hr,
    pathParameters: z.strictObject({ name: z.string() }),
    responses: {
      200: { description: 'Pong.', body: { schema: z.object({ pong: z.string() }) } },
      404: problemResponse('No.'),
    },
  };
  const minimal: ApiDescription = { ...apiDescription, operations: [ping], webhooks: [] };
  const statusComponent =
    apiDescription.components.find((component) => component.name === 'EnrollmentStatus')?.schema ?? z.never();

  it('adds a webhook as an OpenAPI 3.1 webhooks entry', async () => {
    const document = buildOpenApiDocument(
      {
        ...minimal,
        webhooks: [
          {
            name: 'enrollmentFinished',
            method: 'post',
            operationId: 'enrollmentFinished',
            summary: 'An enrollment finished',
            security: callers.anyone,
            requestBody: { schema: z.object({ id: z.string() }) },
            responses: { 204: { description: 'Received.' } },
          },
        ],
      },
      '/',
    );
    expect(document.webhooks?.['enrollmentFinished']?.['post']).toMatchObject({
      operationId: 'enrollmentFinished',
      requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
    });
    expect(await validate(document)).toBe('valid');
  });

  it.each<[string, Partial<ApiOperation>]>([
    ['an unknown security scheme', { security: [['nope']] }],
    ['a path parameter missing from the schema', { pathParameters: z.strictObject({}) }],
    ['a parameter not in the path', { pathParameters: z.strictObject({ name: z.string(), other: z.string() }) }],
    ['a response component used as a request body', { method: 'post', requestBody: { schema: statusComponent } }],
  ])('refuses %s', (_what, change) => {
    expect(() => buildOpenApiDocument({ ...minimal, operations: [{ ...ping, ...change }] }, '/')).toThrow(
      ApiDescriptionError,
    );
  });

  it('refuses an operationId or a method and path used twice', () => {
    const twice = { ...minimal, operations: [ping, { ...ping, method: 'post' as const }] };
    expect(() => buildOpenApiDocument(twice, '/')).toThrow(/operationId ping is used twice/);
    const samePath = { ...minimal, operations: [ping, { ...ping, operationId: 'ping2' }] };
    expect(() => buildOpenApiDocument(samePath, '/')).toThrow(/described twice/);
  });
});
