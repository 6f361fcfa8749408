import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { abusePolicy } from '../../../core/oneTimeCode.js';
import type { Locale } from '../../../core/ports.js';
import { redact } from '../../../core/redact.js';
import { messagePage } from '../../../pages/employeePages.js';
import type { HttpHandler } from '../http.js';
import type { EmployeeAudit } from './audit.js';
import { csrfOk, readForm } from './csrf.js';
import type { Frames } from './frames.js';
import type { HandOff } from './handOff.js';
import { isReady, type ReadyLink, type Resolution, type Resolved } from './link.js';
import { finalPage } from './rendering.js';
import { limited, type PageResponses } from './responses.js';
import type { EmployeePageDependencies } from '../employeePages.js';

/** What a form post does once its link, form and CSRF token have been checked. */
export type FormAction<L> = (
  request: HttpRequest,
  context: InvocationContext,
  link: L,
  form: URLSearchParams,
) => Promise<HttpResponseInit>;

/** How every employee page handler runs: a GET through `page`, a form POST through `post`. */
export interface PageHandlers {
  /** Turns a failure into the error page, and starts what the invocation handed off once it has its answer. */
  readonly page: (handler: HttpHandler) => HttpHandler;
  /** Wraps a POST handler: resolves the link, checks the form and CSRF, turns failures into pages. */
  readonly post: <L extends ReadyLink | Resolved>(
    resolveLink: (request: HttpRequest, context: InvocationContext) => Promise<Resolution<L>>,
    action: FormAction<L>,
  ) => HttpHandler;
}

export type PageHandlerDependencies = Pick<EmployeePageDependencies, 'rateLimiter'> & {
  readonly defaultLocale: Locale;
};

export function createPageHandlers(
  deps: PageHandlerDependencies,
  units: {
    readonly responses: PageResponses;
    readonly frames: Frames;
    readonly handOff: HandOff;
    readonly audit: EmployeeAudit;
  },
): PageHandlers {
  const { responses, frames, handOff, audit } = units;

  function page(handler: HttpHandler): HttpHandler {
    return async (request, context) => {
      try {
        return await handler(request, context);
      } catch (error) {
        context.error(redact(`employee page failed: ${error instanceof Error ? error.message : String(error)}`));
        return responses.respond(request, messagePage(frames.frameFor(request, deps.defaultLocale), 'error'));
      } finally {
        handOff.startAfterAnswer(context);
      }
    };
  }

  function post<L extends ReadyLink | Resolved>(
    resolveLink: (request: HttpRequest, context: InvocationContext) => Promise<Resolution<L>>,
    action: FormAction<L>,
  ): HttpHandler {
    return page(async (request, context) => {
      const resolved = await resolveLink(request, context);
      if (!resolved.ok) return responses.respond(request, resolved.page);
      const form = await readForm(request);
      if (form === undefined || !csrfOk(request, form, resolved.link.csrf)) {
        await audit.append(resolved.link, 'form-refused', 'csrf');
        const grant = await (
          await deps.rateLimiter()
        ).take(
          `refused-posts:${resolved.link.enrollmentId}`,
          abusePolicy.refusedPostsPerEnrollment,
          abusePolicy.windowMs,
        );
        const forbidden = messagePage(resolved.link.frame, 'forbidden');
        return responses.respond(
          request,
          grant.granted ? forbidden : limited(messagePage(resolved.link.frame, 'tooManyRequests'), grant.retryAfterMs),
        );
      }
      const link = frames.withPickedLanguage(request, resolved.link, form.get('lang'));
      const final = isReady(link) ? undefined : finalPage(link);
      if (final !== undefined) return responses.respond(request, final);
      return action(request, context, link, form);
    });
  }

  return { page, post };
}
