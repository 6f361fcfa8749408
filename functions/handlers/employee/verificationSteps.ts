import { enrollmentEvents } from '../../../core/orchestrationContract.js';
import type { CodeChannel } from '../../../core/ports.js';
import type { EmployeeAudit } from './audit.js';
import type { Resolved } from './link.js';
import type { OneTimeCodes } from './oneTimeCodes.js';
import type { FormAction } from './pageHandlers.js';
import type { Rendering } from './rendering.js';
import type { PageResponses } from './responses.js';
import type { Sessions } from './session.js';
import type { EmployeePageDependencies } from '../employeePages.js';

/**
 * The enrollment page's two steps, each a form post: "I have set up MFA" (the directory has the last word), and a
 * contact verified by a code sent to it, which also starts the employee's session.
 */
export interface VerificationSteps {
  readonly confirmMfa: FormAction<Resolved>;
  readonly sendContactCode: FormAction<Resolved>;
  readonly verifyContactCode: FormAction<Resolved>;
}

export type VerificationDependencies = Pick<
  EmployeePageDependencies,
  'directory' | 'enrollments' | 'oneTimeCodes' | 'instances' | 'now'
>;

export function createVerificationSteps(
  deps: VerificationDependencies,
  units: {
    readonly sessions: Sessions;
    readonly codes: OneTimeCodes;
    readonly audit: EmployeeAudit;
    readonly rendering: Rendering;
    readonly responses: PageResponses;
  },
): VerificationSteps {
  const { sessions, codes, audit, rendering, responses } = units;
  return {
    async confirmMfa(request, context, link) {
      if (!link.mfaRegistered) {
        const registered = await (await deps.directory()).hasRegisteredMfa(link.record.userPrincipalName);
        if (!registered) {
          return responses.respond(request, await rendering.renderEnrollment(request, link, { kind: 'mfaNotYet' }));
        }
        const at = deps.now().toISOString();
        await (await deps.enrollments()).markVerified(link.enrollmentId, 'mfa', at);
        await deps.instances(request, context).raiseEvent(link.enrollmentId, enrollmentEvents.mfaRegistered);
        await audit.append(link, 'mfa-confirmed');
      }
      return responses.redirect(link.home);
    },

    async sendContactCode(request, _context, link, form) {
      if (link.contactVerified) return responses.redirect(link.home);
      const channel: CodeChannel = form.get('channel') === 'sms' ? 'sms' : 'email';
      const refusal = await codes.send(link, 'contact', channel);
      if (refusal !== undefined) return rendering.refused(request, link, refusal);
      return responses.redirect(link.home);
    },

    async verifyContactCode(request, context, link, form) {
      if (link.contactVerified) return responses.redirect(link.home);
      const check = await codes.check(link, 'contact', form.get('code') ?? '');
      if (!check.ok) return rendering.refused(request, link, check);
      // One use only: the code is spent before anything it opens.
      await (await deps.oneTimeCodes()).delete(link.enrollmentId, 'contact');
      await audit.append(link, 'code-accepted:contact', `attempt ${check.attempt}`);
      const now = deps.now();
      await (await deps.enrollments()).markVerified(link.enrollmentId, 'contact', now.toISOString());
      await deps.instances(request, context).raiseEvent(link.enrollmentId, enrollmentEvents.contactVerified);
      const cookie = await sessions.start(link.enrollmentId, now);
      await audit.append(link, 'contact-verified');
      return responses.redirect(link.home, { cookies: [cookie] });
    },
  };
}
