import type { IncomingMessage } from 'node:http';
import type { HttpResponse as HttpResponseType, HttpResponseInit } from '@azure/functions';
import { HttpRequest, HttpResponse, InvocationContext } from '../azureFunctions.js';
import { redact } from '../../core/redact.js';
import { durableClientPayload } from '../durable/durableHttpApi.js';
import type { HttpRoute } from './httpRoutes.js';

/** What an invocation needs from the host: where it is reached, its task hub, and where function logs go. */
export interface InvocationHost {
  /** The host's own URL, from which the durableClient input builds its management URLs. */
  readonly origin: string;
  readonly taskHubName: string;
  readonly log: (line: string) => void;
}

/** One request to a function: the route it matched, the URL, the body read in full and the route's parameters. */
export interface FunctionCall {
  readonly route: HttpRoute;
  readonly request: IncomingMessage;
  readonly url: URL;
  readonly body: Buffer;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Calls the function's handler as the Functions host does: the library's own HttpRequest and InvocationContext, a
 * durableClient input pointing at the local task hub, and the logs redacted. No result is a 204.
 */
export async function invokeFunction(host: InvocationHost, call: FunctionCall): Promise<HttpResponseType> {
  const { route, request, url, body } = call;
  const httpRequest = new HttpRequest({
    method: request.method ?? 'GET',
    url: url.toString(),
    headers: forwardedHeaders(request),
    query: Object.fromEntries(url.searchParams),
    params: { ...call.params },
    ...(body.byteLength > 0 ? { body: { bytes: new Uint8Array(body) } } : {}),
  });
  const name = route.registration.metadata.name;
  const extraInputs = Object.entries(route.registration.metadata.bindings)
    .filter(([, binding]) => binding.direction === 'in' && !binding.type.endsWith('Trigger'))
    .map(([bindingName, binding]) => ({ ...binding, name: bindingName }));
  const context = new InvocationContext({
    functionName: name,
    invocationId: crypto.randomUUID(),
    options: {
      trigger: { type: 'httpTrigger', name: 'request' },
      extraInputs: extraInputs,
      extraOutputs: [],
    },
    logHandler: (level, ...args) => {
      host.log(redact(`[${name}] ${level}: ${args.map(String).join(' ')}`));
    },
  });
  for (const binding of extraInputs) {
    if (binding.type === 'durableClient' || binding.type === 'orchestrationClient') {
      context.extraInputs.set(binding.name, durableClientPayload(host.origin, host.taskHubName));
    }
  }
  const result = (await route.registration.handler(httpRequest, context)) as
    HttpResponseInit | HttpResponseType | undefined;
  return result instanceof HttpResponse ? result : new HttpResponse(result ?? { status: 204 });
}

/**
 * The request's headers, one string each, with the connecting address and port appended to X-Forwarded-For as App
 * Service's front end does, so the last entry cannot be forged (and the app must drop the port to key anything on it).
 */
export function forwardedHeaders(request: Pick<IncomingMessage, 'headers' | 'socket'>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const { remoteAddress, remotePort } = request.socket;
  const peer =
    remoteAddress === undefined
      ? 'unknown'
      : `${remoteAddress.includes(':') ? `[${remoteAddress}]` : remoteAddress}:${remotePort ?? 0}`;
  const forwarded = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwarded === undefined ? peer : `${forwarded}, ${peer}`;
  return headers;
}
