import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { isTransientError } from '../../core/errors.js';
import { uuidPattern } from '../../core/hrApiSchemas.js';
import { addressOfForwardedEntry } from '../../core/ipAddress.js';
import { isProblemError, problems, type ProblemDocument } from '../../core/problem.js';
import { redact } from '../../core/redact.js';

/** HR bodies are small; anything over 16 KiB is refused before it is read. */
export const maxJsonBodyBytes = 16 * 1024;

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status,
    jsonBody: body,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  };
}

export function problemResponse(problem: ProblemDocument, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status: problem.status,
    body: JSON.stringify(problem),
    headers: { 'Content-Type': 'application/problem+json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  };
}

/** The one mapper from anything a handler throws to a problem document; unexpected errors are logged, redacted. */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (isProblemError(error)) return problemResponse(error.problem);
  if (isTransientError(error)) {
    context.warn(redact(`Transient failure: ${error.message}`));
    const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 5_000) / 1000));
    return problemResponse(problems.unavailable('A dependency is temporarily unavailable; retry later.').problem, {
      'Retry-After': String(seconds),
    });
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  context.error(redact(`Unhandled error: ${message}`));
  return problemResponse(problems.internal().problem);
}

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export function withProblemDetails(handler: HttpHandler): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

/**
 * Reads a JSON body with the checks an API owes its callers: the media type, a size limit enforced while reading
 * (a 10 MB body is refused after 16 KiB, never buffered), and well-formed JSON.
 */
export async function readJsonBody(request: HttpRequest, limitBytes = maxJsonBodyBytes): Promise<unknown> {
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    throw problems.unsupportedMediaType('application/json');
  }
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw problems.payloadTooLarge(limitBytes);

  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    const reader = request.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limitBytes) {
        await reader.cancel();
        throw problems.payloadTooLarge(limitBytes);
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw problems.malformedJson();
  }
}

/** Route parameters are checked before anything is looked up, so bad ids never reach storage. */
export function requireUuidParam(request: HttpRequest, name: string): string {
  const value = request.params[name] ?? '';
  if (!uuidPattern.test(value)) {
    throw problems.validation([{ pointer: `#/path/${name}`, detail: 'expected an enrollment id (a UUID)' }]);
  }
  return value.toLowerCase();
}

/**
 * The connecting client as the platform reports it. App Service's front end appends the address it accepted the
 * connection from to X-Forwarded-For, as `address:port`, so the last entry is the one a client cannot forge; the port
 * is dropped (it changes with every connection) and the address spelt one way (core/ipAddress.ts).
 */
export function clientAddress(request: HttpRequest): string {
  const last = request.headers.get('x-forwarded-for')?.split(',').at(-1);
  return (last === undefined ? undefined : addressOfForwardedEntry(last)) ?? 'unknown';
}
