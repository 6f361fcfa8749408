import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../localHttp.js';
import { decodePath } from '../pathDecoding.js';
import { azureStorageProvider } from './azureStorageProvider.js';
import type { TaskHub } from './taskHub.js';

/** Paths the unmodified DurableClient calls (rpcBaseUrl) and the webhook paths its check-status links point at. */
export const durablePathPrefixes = ['/durabletask/', '/runtime/webhooks/durabletask/'] as const;

export interface DurableClientPayload {
  readonly taskHubName: string;
  readonly creationUrls: Record<string, string>;
  readonly managementUrls: Record<string, string>;
  readonly rpcBaseUrl: string;
  readonly baseUrl: string;
  readonly requiredQueryStringParameters: string;
}

/** What the extension puts in a `durableClient` input binding, pointing at this runtime. */
export function durableClientPayload(origin: string, taskHubName: string): DurableClientPayload {
  const webhooks = `${origin}/runtime/webhooks/durabletask`;
  const query = `taskHub=${taskHubName}&connection=Storage`;
  const instance = `${webhooks}/instances/INSTANCEID`;
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?${query}`,
      createAndWaitOnNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
    },
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${instance}?${query}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
      purgeHistoryDeleteUri: `${instance}?${query}`,
      restartPostUri: `${instance}/restart?${query}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
      resumePostUri: `${instance}/resume?reason={text}&${query}`,
    },
    rpcBaseUrl: `${origin}/durabletask/`,
    baseUrl: webhooks,
    requiredQueryStringParameters: query,
  };
}

/** The extension's JSON answers carry a charset; a bodiless one (404, 410, 202) is still typed JSON, but empty. */
function send(response: ServerResponse, status: number, body?: unknown): void {
  sendJson(response, status, body, 'application/json; charset=utf-8');
}

/**
 * Serves the Durable extension's HTTP API for the instance operations this app uses, with the extension's status
 * codes: 404 for an unknown instance, 410 when it has finished, 202 while it runs.
 */
export async function handleDurableRequest(
  hub: TaskHub,
  taskHubName: string,
  origin: string,
  request: IncomingMessage,
  body: string,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', origin);
  const prefix = durablePathPrefixes.find((candidate) => url.pathname.startsWith(candidate)) ?? '';
  const parts = url.pathname.slice(prefix.length).split('/').filter(Boolean).map(decodePath);
  if (parts.some((part) => part === undefined)) {
    send(response, 400, { Message: 'Invalid request target' });
    return;
  }
  const method = request.method ?? 'GET';
  const [collection, first, verb, eventName] = parts;
  const json = parseJson(body);

  if (collection === 'orchestrators' && method === 'POST' && first !== undefined) {
    if (!json.ok) {
      send(response, 400, { Message: 'Invalid JSON content' });
      return;
    }
    const instanceId = verb ?? crypto.randomUUID().replace(/-/g, '');
    const outcome = await hub.startNew(first, instanceId, json.value);
    if (outcome === 'exists') {
      send(response, 409, { Message: `An instance with ID '${instanceId}' already exists.` });
      return;
    }
    const links = durableClientPayload(origin, taskHubName).managementUrls;
    const expand = (template: string | undefined) =>
      (template ?? '').replace('INSTANCEID', encodeURIComponent(instanceId));
    send(response, 202, {
      id: instanceId,
      statusQueryGetUri: expand(links['statusQueryGetUri']),
      sendEventPostUri: expand(links['sendEventPostUri']),
      terminatePostUri: expand(links['terminatePostUri']),
      purgeHistoryDeleteUri: expand(links['purgeHistoryDeleteUri']),
    });
    return;
  }

  if (collection === 'instances' && first === undefined && method === 'GET') {
    send(response, 200, await hub.list());
    return;
  }

  if (collection === 'instances' && first !== undefined) {
    if (verb === undefined && method === 'GET') {
      const status = await hub.status(first, url.searchParams.get('showHistory') === 'true');
      if (status === undefined) {
        send(response, 404);
        return;
      }
      const running = status.runtimeStatus === 'Running' || status.runtimeStatus === 'Pending';
      send(response, running ? 202 : 200, {
        ...status,
        input: url.searchParams.get('showInput') === 'false' ? null : status.input,
      });
      return;
    }
    if (verb === undefined && method === 'DELETE') {
      const deleted = await hub.purge(first);
      send(response, deleted === 0 ? 404 : 200, { instancesDeleted: deleted });
      return;
    }
    if (method === 'POST' && verb === 'raiseEvent') {
      await raiseEvent(hub, first, eventName ?? '', request, json, response);
      return;
    }
    if (method === 'POST' && verb === 'terminate') {
      const outcome = await hub.terminate(first, url.searchParams.get('reason') ?? '');
      send(response, outcome === 'accepted' ? 202 : outcome === 'gone' ? 410 : 404);
      return;
    }
  }
  send(response, 501, {
    Message: `The local runtime does not implement ${method} ${url.pathname} (see devhost/README.md)`,
  });
}

type ParsedJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

/** An empty body is null, as the extension reads it. */
function parseJson(body: string): ParsedJson {
  if (body === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * `HttpApiHandler.HandleRaiseEventRequestAsync`: 404 for an unknown instance and 410 for a finished one come first;
 * then only `application/json` is accepted, and it must parse.
 */
async function raiseEvent(
  hub: TaskHub,
  instanceId: string,
  eventName: string,
  request: IncomingMessage,
  json: ParsedJson,
  response: ServerResponse,
): Promise<void> {
  const status = await hub.status(instanceId);
  if (status === undefined) {
    send(response, 404);
    return;
  }
  if (['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus)) {
    send(response, 410);
    return;
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== azureStorageProvider.raiseEventMediaType) {
    send(response, 400, { Message: 'Only application/json request content is supported' });
    return;
  }
  if (!json.ok) {
    send(response, 400, { Message: 'Invalid JSON content' });
    return;
  }
  const outcome = await hub.raiseEvent(instanceId, eventName, json.value);
  send(response, outcome === 'accepted' ? 202 : outcome === 'gone' ? 410 : 404);
}
