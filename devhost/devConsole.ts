import { consoleApiHandlers } from './devConsole/apiHandlers.js';
import { ConsoleMemory } from './devConsole/consoleMemory.js';
import type { DevConsole, DevConsoleDependencies } from './devConsole/dependencies.js';
import { consolePageHandlers } from './devConsole/pageHandlers.js';
import { devConsoleRouter } from './devConsole/router.js';

/*
 * The local runtime's developer console under /_dev: a JSON API and one server-rendered page to play the HR system,
 * read the mail and SMS outboxes, receive the HR callbacks (`POST /_dev/callbacks`), flip MFA in the local directory,
 * look into Durable instances and make the local stand-ins misbehave (fault injection, `POST /_dev/api/faults`). It
 * is served by the functions host on loopback only and needs no key; devConsole/requestGuards.ts is how it keeps web
 * pages in the developer's browser out.
 *
 * This file is the route table: where each handler is served. The handlers are in devConsole/pageHandlers.ts (pages
 * and forms) and devConsole/apiHandlers.ts (JSON), the views in devConsole/views/.
 */

export type { DevConsole, DevConsoleDependencies, StartEnrollmentResult } from './devConsole/dependencies.js';
export type { DevConsoleFaultTarget, FaultTargetName } from './devConsole/faultRequest.js';
export { hrApiStarter } from './devConsole/hrApiStarter.js';
export { emailOutboxEntry, outboxOf, smsOutboxEntry, type OutboxEntry } from './devConsole/outbox.js';

/**
 * Creates the console. It keeps, in memory, the enrollments started through it and the UPNs whose MFA it changed, so
 * the page can list them with their MFA state (see ConsoleMemory).
 */
export function createDevConsole(deps: DevConsoleDependencies): DevConsole {
  const memory = new ConsoleMemory(deps);
  const page = consolePageHandlers(deps, memory);
  const api = consoleApiHandlers(deps, memory);
  return devConsoleRouter([
    // The page and its forms; each form answers 303 back to /_dev.
    { pattern: /^\/_dev\/?$/, handlers: { GET: page.home } },
    { pattern: /^\/_dev\/instances\/([^/]+)$/, handlers: { GET: page.instance } },
    { pattern: /^\/_dev\/enrollments$/, handlers: { POST: page.startEnrollment } },
    { pattern: /^\/_dev\/directory$/, handlers: { POST: page.setMfa } },
    // HR's callback receiver, played by the console, which the app POSTs its signed stage events to.
    { pattern: /^\/_dev\/callbacks$/, handlers: { POST: api.receiveCallback } },
    // The JSON API, for tests and scripts.
    { pattern: /^\/_dev\/api\/outbox$/, handlers: { GET: api.outbox } },
    { pattern: /^\/_dev\/api\/callbacks$/, handlers: { GET: api.callbacks } },
    { pattern: /^\/_dev\/api\/directory\/([^/]+)\/mfa$/, handlers: { GET: api.mfa, PUT: api.setMfa } },
    { pattern: /^\/_dev\/api\/instances$/, handlers: { GET: api.instances } },
    { pattern: /^\/_dev\/api\/instances\/([^/]+)$/, handlers: { GET: api.instance } },
    { pattern: /^\/_dev\/api\/enrollments$/, handlers: { POST: api.startEnrollment } },
    { pattern: /^\/_dev\/api\/faults$/, handlers: { POST: api.injectFault } },
  ]);
}
