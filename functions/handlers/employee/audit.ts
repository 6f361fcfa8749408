import type { InvocationContext } from '@azure/functions';
import type { AuditEntry } from '../../../core/ports.js';
import type { HandOff } from './handOff.js';
import type { Link } from './link.js';
import type { EmployeePageDependencies } from '../employeePages.js';

/** An audit row to write: its action and detail, stamped when it happened rather than when it is written. */
export type AuditNote = readonly [action: string, detail?: string | undefined];

/** What the employee did, in their enrollment's audit log, with `employee` as the actor. */
export interface EmployeeAudit {
  append(link: Link, action: string, detail?: string): Promise<void>;
  /** Writes audit rows after the answer, together, stamped with when they happened. */
  later(context: InvocationContext, link: Link, notes: readonly AuditNote[]): void;
}

export type EmployeeAuditDependencies = Pick<EmployeePageDependencies, 'audit' | 'now'>;

export function createEmployeeAudit(deps: EmployeeAuditDependencies, handOff: HandOff): EmployeeAudit {
  const entry = (link: Link, [action, detail]: AuditNote, at = deps.now().toISOString()): AuditEntry => ({
    enrollmentId: link.enrollmentId,
    at,
    action,
    actor: 'employee',
    ...(detail === undefined ? {} : { detail }),
  });

  return {
    async append(link, action, detail) {
      await (await deps.audit()).append(entry(link, [action, detail]));
    },
    later(context, link, notes) {
      if (notes.length === 0) return;
      const at = deps.now().toISOString();
      const entries = notes.map((note) => entry(link, note, at));
      handOff.later(context, `audit (${notes.map(([action]) => action).join(', ')})`, async () => {
        await (await deps.audit()).appendAll(entries);
      });
    },
  };
}
