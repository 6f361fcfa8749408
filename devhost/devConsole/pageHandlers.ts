import { callbackInboxPath, type DevConsoleDependencies } from './dependencies.js';
import type { ConsoleMemory } from './consoleMemory.js';
import { summarise } from './instances.js';
import { messagesOnTheirWay, reloadSeconds } from './onItsWay.js';
import { filterOutbox, outboxFilter, sortByReceived } from './outbox.js';
import { Refusal } from './refusal.js';
import { decodeSegment, readForm, validUpn } from './requestBodies.js';
import { redirectHome, sendPage } from './responses.js';
import type { Handler } from './router.js';
import { consolePage } from './views/consolePage.js';
import type { ConsoleView } from './views/consoleView.js';
import { instancePage } from './views/instancePage.js';
import { demoEmployee } from './views/playHrSection.js';

/** What the console's pages and forms do; the route table in devConsole.ts says where each is served. */
export interface ConsolePageHandlers {
  /** GET /_dev: every section, reloading itself while a message is on its way (unless `?refresh=off`). */
  readonly home: Handler;
  /** GET /_dev/instances/{id}: one instance with its history. */
  readonly instance: Handler;
  /** POST /_dev/enrollments: the Play HR form, sent on to the HR API. */
  readonly startEnrollment: Handler;
  /** POST /_dev/directory: sets a user's MFA in the local directory. */
  readonly setMfa: Handler;
}

export function consolePageHandlers(deps: DevConsoleDependencies, memory: ConsoleMemory): ConsolePageHandlers {
  return {
    home: async ({ response, url }) => {
      const view = await homeView(deps, memory, url);
      sendPage(
        response,
        200,
        consolePage(view),
        view.reloading ? { Refresh: `${reloadSeconds}; url=${url.pathname}${url.search}` } : {},
      );
    },
    instance: async ({ response, params }) => {
      const id = decodeSegment(params[0]);
      const status = await deps.taskHub.status(id, true);
      if (status === undefined) throw new Refusal(404, `No instance with id ${id}.`);
      sendPage(response, 200, instancePage(status));
    },
    startEnrollment: async ({ request, response }) => {
      await memory.start(enrollmentRequestOf(await readForm(request), deps.runtimeUrl));
      redirectHome(response);
    },
    setMfa: async ({ request, response }) => {
      const form = await readForm(request);
      const upn = validUpn(form.get('upn') ?? '');
      const registered = form.get('registered');
      if (registered !== 'true' && registered !== 'false') {
        throw new Refusal(400, 'registered must be true or false.');
      }
      memory.setMfa(upn, registered === 'true');
      redirectHome(response);
    },
  };
}

async function homeView(deps: DevConsoleDependencies, memory: ConsoleMemory, url: URL): Promise<ConsoleView> {
  const filter = outboxFilter(url);
  const instances = summarise(await deps.taskHub.list());
  const messages = typeof filter === 'string' ? [] : filterOutbox(sortByReceived(deps.outbox()), filter);
  const starts = memory.starts();
  const onItsWay = messagesOnTheirWay(starts, deps.outbox(), instances);
  return {
    onItsWay,
    reloading: onItsWay.length > 0 && url.searchParams.get('refresh') !== 'off',
    filter: typeof filter === 'string' ? { to: url.searchParams.get('to') ?? '' } : filter,
    filterError: typeof filter === 'string' ? filter : undefined,
    messages: [...messages].reverse(),
    instances,
    directory: memory.directory(),
    recentStarts: [...starts].reverse(),
    callbacks: [...deps.callbackInbox.entries()].reverse(),
    callbacksVerifiable: deps.callbackInbox.canVerify,
    demo: demoEmployee(),
  };
}

/** The Play HR form as the HR API's request body: empty optional fields left out, as HR would. */
function enrollmentRequestOf(form: URLSearchParams, runtimeUrl: string): Record<string, unknown> {
  const field = (name: string) => (form.get(name) ?? '').trim();
  const optional = (name: string) => (field(name) === '' ? {} : { [name]: field(name) });
  return {
    employeeId: field('employeeId'),
    userPrincipalName: field('userPrincipalName'),
    displayName: field('displayName'),
    inviteEmail: field('inviteEmail'),
    contact: {
      ...(field('contactEmail') === '' ? {} : { email: field('contactEmail') }),
      ...(field('contactPhone') === '' ? {} : { phone: field('contactPhone') }),
    },
    ...optional('locale'),
    ...optional('deviceLabel'),
    // A checkbox is in the form post only when checked.
    ...(form.has('sendCallbacks') ? { callbackUrl: `${runtimeUrl}${callbackInboxPath}` } : {}),
  };
}
