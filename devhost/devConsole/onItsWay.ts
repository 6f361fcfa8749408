import type { RecentStart } from './consoleMemory.js';
import type { InstanceSummary } from './instances.js';
import type { OutboxEntry } from './outbox.js';

/** How often the console reloads itself while a message is on its way, and how long an invitation is awaited. */
export const reloadSeconds = 3;
const invitationWaitMs = 5 * 60_000;

/**
 * What the developer is waiting for: the invitation of an enrollment started here in the last few minutes, and the
 * ready e-mail of an enrollment being issued. The runtime polls its queues as Azure does, so each takes seconds.
 */
export function messagesOnTheirWay(
  starts: readonly RecentStart[],
  outbox: readonly OutboxEntry[],
  instances: readonly InstanceSummary[],
  now = Date.now(),
): string[] {
  const recent = now - invitationWaitMs;
  const mailed = (address: string) =>
    outbox.some((message) => message.to.some((to) => to.toLowerCase() === address.toLowerCase()));
  const waiting = [
    ...starts
      .filter((start) => start.status === 202 && Date.parse(start.at) > recent && !mailed(start.inviteEmail))
      .map((start) => `the invitation to ${start.inviteEmail}`),
    ...instances
      .filter((instance) => instance.stage === 'issuing')
      .map((instance) => `the app password and ready e-mail of enrollment ${instance.instanceId}`),
  ];
  return [...new Set(waiting)];
}
