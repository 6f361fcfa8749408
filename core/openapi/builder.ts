import * as z from 'zod/mini';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

/**
 * Which way a schema is read. A request is described as the caller sends it (`input`: before defaults and
 * transforms), a response as the service sends it (`output`).
 */
export type SchemaDirection = 'input' | 'output';

export interface ApiBody {
  readonly schema: z.core.$ZodType;
  /** Defaults to `application/json`. */
  readonly mediaType?: string;
}

export interface ApiHeader {
  readonly description: string;
  readonly schema: z.core.$ZodType;
}

export interface ApiResponse {
  readonly description: string;
  readonly body?: ApiBody;
  readonly headers?: Readonly<Record<string, ApiHeader>>;
}

/** What an operation does, wherever it is reached: a path of this service, or a webhook it calls. */
export interface ApiOperationSpec {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /**
   * Who may call it: alternatives, any one of which suffices, each naming the security schemes it needs together
   * (`[['functionKey'], ['functionKeyQuery']]`). An empty list means anyone.
   */
  readonly security: readonly (readonly string[])[];
  /** One property per `{name}` in the path; each becomes a required path parameter. */
  readonly pathParameters?: z.ZodMiniObject;
  /** One property per query parameter; optional properties are optional parameters. */
  readonly query?: z.ZodMiniObject;
  readonly requestBody?: ApiBody;
  readonly responses: Readonly<Record<number, ApiResponse>>;
}

export interface ApiOperation extends ApiOperationSpec {
  readonly method: HttpMethod;
  /** As OpenAPI writes it: `/api/enrollments/{id}`. */
  readonly path: string;
}

/** A request this service sends to a URL its caller registered (OpenAPI 3.1 `webhooks`), keyed by `name`. */
export interface ApiWebhook extends ApiOperationSpec {
  readonly name: string;
  readonly method: HttpMethod;
}

/** A schema shown once under `components.schemas` and referenced (`$ref`) wherever it is used. */
export interface ApiComponent {
  readonly name: string;
  readonly schema: z.core.$ZodType;
  readonly direction: SchemaDirection;
}

export interface ApiSecurityScheme {
  readonly type: 'apiKey';
  readonly in: 'header' | 'query';
  readonly name: string;
  readonly description: string;
}

export interface ApiDescription {
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly securitySchemes: Readonly<Record<string, ApiSecurityScheme>>;
  readonly components: readonly ApiComponent[];
  readonly operations: readonly ApiOperation[];
  readonly webhooks: readonly ApiWebhook[];
}

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  readonly openapi: '3.1.1';
  readonly info: ApiDescription['info'];
  readonly servers: readonly { readonly url: string }[];
  readonly tags: ApiDescription['tags'];
  readonly paths: Record<string, Record<string, Json>>;
  readonly webhooks?: Record<string, Record<string, Json>>;
  readonly components: { readonly schemas: Record<string, Json>; readonly securitySchemes: Json };
}

/** A mistake in the description itself (unknown scheme, path and parameters that disagree): a bug, caught by tests. */
export class ApiDescriptionError extends Error {
  override readonly name = 'ApiDescriptionError';
}

const componentsPath = '#/components/schemas/';

/**
 * Builds an OpenAPI 3.1 document from a declarative description whose schemas are the zod schemas the handlers
 * validate with and derive their types from. Pure: the same description always gives the same document. Throws
 * `ApiDescriptionError` when the description contradicts itself.
 */
export function buildOpenApiDocument(api: ApiDescription, serverUrl: string): OpenApiDocument {
  const schemas = new SchemaConverter(api.components);
  const operationIds = new Set<string>();

  const operationObject = (operation: ApiOperationSpec, where: string): Json => {
    if (operationIds.has(operation.operationId)) {
      throw new ApiDescriptionError(`${where}: operationId ${operation.operationId} is used twice`);
    }
    operationIds.add(operation.operationId);
    const parameters = [
      ...(operation.pathParameters === undefined ? [] : schemas.parameters(operation.pathParameters, 'path')),
      ...(operation.query === undefined ? [] : schemas.parameters(operation.query, 'query')),
    ];
    return {
      operationId: operation.operationId,
      summary: operation.summary,
      ...(operation.description === undefined ? {} : { description: operation.description }),
      ...(operation.tags === undefined ? {} : { tags: [...operation.tags] }),
      security: operation.security.map((schemesTogether) => {
        const unknown = schemesTogether.find((scheme) => !Object.hasOwn(api.securitySchemes, scheme));
        if (unknown !== undefined) throw new ApiDescriptionError(`${where}: unknown security scheme ${unknown}`);
        return Object.fromEntries(schemesTogether.map((scheme) => [scheme, []]));
      }),
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(operation.requestBody === undefined
        ? {}
        : { requestBody: { required: true, content: schemas.content(operation.requestBody, 'input') } }),
      responses: Object.fromEntries(
        Object.entries(operation.responses).map(([status, response]) => [status, schemas.response(response)]),
      ),
    };
  };

  const paths: Record<string, Record<string, Json>> = {};
  for (const operation of api.operations) {
    const where = `${operation.method.toUpperCase()} ${operation.path}`;
    checkPathParameters(operation, where);
    const item = (paths[operation.path] ??= {});
    if (item[operation.method] !== undefined) throw new ApiDescriptionError(`${where} is described twice`);
    item[operation.method] = operationObject(operation, where);
  }
  const webhooks: Record<string, Record<string, Json>> = {};
  for (const webhook of api.webhooks) {
    const where = `webhook ${webhook.method.toUpperCase()} ${webhook.name}`;
    const item = (webhooks[webhook.name] ??= {});
    if (item[webhook.method] !== undefined) throw new ApiDescriptionError(`${where} is described twice`);
    item[webhook.method] = operationObject(webhook, where);
  }

  return {
    openapi: '3.1.1',
    info: api.info,
    servers: [{ url: serverUrl }],
    tags: api.tags,
    paths,
    ...(api.webhooks.length === 0 ? {} : { webhooks }),
    components: { schemas: schemas.components(), securitySchemes: { ...api.securitySchemes } },
  };
}

function checkPathParameters(operation: ApiOperation, where: string): void {
  const inPath = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
  const declared = Object.keys(operation.pathParameters?.shape ?? {}).sort();
  if (inPath.join() !== declared.join()) {
    throw new ApiDescriptionError(`${where}: path parameters ${declared.join()} do not match the path`);
  }
}

/** Turns zod schemas into JSON Schema 2020-12 (the dialect of OpenAPI 3.1), using `$ref`s for the components. */
class SchemaConverter {
  private readonly names = new Map<z.core.$ZodType, ApiComponent>();

  constructor(private readonly declared: readonly ApiComponent[]) {
    for (const component of declared) this.names.set(component.schema, component);
  }

  /** Every component, each converted once; components nested in one another become `$ref`s. */
  components(): Record<string, Json> {
    const converted: Record<string, Json> = {};
    for (const direction of ['input', 'output'] as const) {
      const registry = z.registry<{ id: string }>();
      for (const component of this.declared) {
        if (component.direction === direction) registry.add(component.schema, { id: component.name });
      }
      const { schemas } = z.toJSONSchema(registry, {
        io: direction,
        target: 'draft-2020-12',
        uri: (id) => `${componentsPath}${id}`,
      });
      for (const [name, schema] of Object.entries(schemas)) converted[name] = withoutDialect(schema);
    }
    return Object.fromEntries(Object.entries(converted).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  schema(schema: z.core.$ZodType, direction: SchemaDirection): Json {
    const component = this.names.get(schema);
    if (component === undefined)
      return withoutDialect(z.toJSONSchema(schema, { io: direction, target: 'draft-2020-12' }));
    if (component.direction !== direction) {
      throw new ApiDescriptionError(
        `Component ${component.name} is declared as ${component.direction}, used as ${direction}`,
      );
    }
    return { $ref: `${componentsPath}${component.name}` };
  }

  content(body: ApiBody, direction: SchemaDirection): Json {
    return { [body.mediaType ?? 'application/json']: { schema: this.schema(body.schema, direction) } };
  }

  response(response: ApiResponse): Json {
    return {
      description: response.description,
      ...(response.headers === undefined
        ? {}
        : {
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([name, header]) => [
                name,
                { description: header.description, schema: this.schema(header.schema, 'output') },
              ]),
            ),
          }),
      ...(response.body === undefined ? {} : { content: this.content(response.body, 'output') }),
    };
  }

  /**
   * One parameter per property. Whether it is required is read from the input (what the caller must send); its
   * schema from the output, because OpenAPI describes a parameter's value after form-style decoding: `limit` is an
   * integer with a default, though it arrives as the digits of a query string.
   */
  parameters(object: z.ZodMiniObject, location: 'path' | 'query'): Json[] {
    const input = z.toJSONSchema(object, { io: 'input', target: 'draft-2020-12' });
    const required = new Set(input.required ?? []);
    return Object.entries(object.shape).map(([name, property]) => {
      const { description, ...schema } = withoutDialect(
        z.toJSONSchema(property, { io: 'output', target: 'draft-2020-12' }),
      );
      return {
        name,
        in: location,
        // OpenAPI requires path parameters to be required.
        required: location === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema,
      };
    });
  }
}

function withoutDialect(schema: Json): Json {
  // Component and inline schemas inherit the document's dialect; a `$schema` or `$id` per schema only adds noise.
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}
