import type { ConsoleMemory } from './consoleMemory.js';
import type { DevConsoleDependencies } from './dependencies.js';
import { applyFault, parseFault } from './faultRequest.js';
import { summarise } from './instances.js';
import { isRecord } from '../localHttp.js';
import { filterOutbox, outboxFilter, sortByReceived } from './outbox.js';
import { Refusal } from './refusal.js';
import { decodeSegment, readJson, readJsonBytes, validUpn } from './requestBodies.js';
import { sendApiJson } from './responses.js';
import type { Handler } from './router.js';

/** What the console's JSON API does; the route table in devConsole.ts says where each is served. */
export interface ConsoleApiHandlers {
  /** The outbox, oldest first, filtered by `?to=` and `?channel=`. */
  readonly outbox: Handler;
  /** HR's callback receiver: keeps every delivery, verified or not, and answers 204. */
  readonly receiveCallback: Handler;
  /** The callbacks received, for one enrollment with `?id=`. */
  readonly callbacks: Handler;
  readonly mfa: Handler;
  readonly setMfa: Handler;
  readonly instances: Handler;
  readonly instance: Handler;
  readonly startEnrollment: Handler;
  readonly injectFault: Handler;
}

export function consoleApiHandlers(deps: DevConsoleDependencies, memory: ConsoleMemory): ConsoleApiHandlers {
  const mfaOf = (upn: string) => ({ userPrincipalName: upn, registered: deps.directory.isMfaRegistered(upn) });
  return {
    outbox: ({ response, url }) => {
      const filter = outboxFilter(url);
      if (typeof filter === 'string') throw new Refusal(400, filter);
      sendApiJson(response, 200, { messages: filterOutbox(sortByReceived(deps.outbox()), filter) });
      return Promise.resolve();
    },
    // A receiver that refused a bad signature would only make the app retry it: every delivery is kept and answered
    // 204, so the app counts it delivered, and the console shows whether it verified.
    receiveCallback: async ({ request, response }) => {
      const { bytes, value } = await readJsonBytes(request);
      const header = (name: string) => {
        const text = request.headers[name];
        return Array.isArray(text) ? text.join(', ') : text;
      };
      await deps.callbackInbox.receive({
        webhookId: header('webhook-id'),
        webhookTimestamp: header('webhook-timestamp'),
        webhookSignature: header('webhook-signature'),
        rawBody: bytes,
        body: value,
      });
      response.writeHead(204, { 'Cache-Control': 'no-store' });
      response.end();
    },
    callbacks: ({ response, url }) => {
      const id = url.searchParams.get('id') ?? '';
      sendApiJson(response, 200, { callbacks: deps.callbackInbox.entries(id === '' ? undefined : id) });
      return Promise.resolve();
    },
    mfa: ({ response, params }) => {
      sendApiJson(response, 200, mfaOf(validUpn(decodeSegment(params[0]))));
      return Promise.resolve();
    },
    setMfa: async ({ request, response, params }) => {
      const upn = validUpn(decodeSegment(params[0]));
      memory.setMfa(upn, registeredOf(await readJson(request)));
      sendApiJson(response, 200, mfaOf(upn));
    },
    instances: async ({ response }) => {
      sendApiJson(response, 200, { instances: summarise(await deps.taskHub.list()) });
    },
    instance: async ({ response, params }) => {
      const id = decodeSegment(params[0]);
      const status = await deps.taskHub.status(id, true);
      if (status === undefined) throw new Refusal(404, `No instance with id ${id}.`);
      sendApiJson(response, 200, status);
    },
    startEnrollment: async ({ request, response }) => {
      const result = await memory.start(await readJson(request));
      sendApiJson(response, result.status, result.body);
    },
    injectFault: async ({ request, response }) => {
      const fault = parseFault(await readJson(request));
      applyFault(deps.faults, fault);
      sendApiJson(response, 200, { applied: fault });
    },
  };
}

/** The body of `PUT /_dev/api/directory/{upn}/mfa`: `{ "registered": true | false }` and nothing else. */
function registeredOf(body: unknown): boolean {
  if (!isRecord(body) || typeof body['registered'] !== 'boolean') {
    throw new Refusal(400, 'Expected a JSON object { "registered": true | false }.');
  }
  const unknown = Object.keys(body).filter((key) => key !== 'registered');
  if (unknown.length > 0) throw new Refusal(400, `Unknown field(s): ${unknown.join(', ')}.`);
  return body['registered'];
}
