import type { DurableClient } from 'durable-functions';
import { enrollmentOrchestrationName } from '../core/orchestrationContract.js';
import type { EnrollmentInstances, InstanceStatus } from '../core/ports.js';

const runtimeStatuses = new Set<InstanceStatus['runtimeStatus']>([
  'Pending',
  'Running',
  'Completed',
  'Failed',
  'Terminated',
  'Suspended',
]);

/** The `EnrollmentInstances` port over the unmodified Durable client of one invocation. */
export function createDurableInstances(client: DurableClient): EnrollmentInstances {
  return {
    async start(instanceId, input) {
      await client.startNew(enrollmentOrchestrationName, { instanceId, input });
    },
    async status(instanceId) {
      let status;
      try {
        status = await client.getStatus(instanceId, { showInput: true });
      } catch (error) {
        // The client reports an unknown instance only through this message (durable-functions 3.x, DurableClient.js).
        if (error instanceof Error && error.message.includes('HTTP 404')) return undefined;
        throw error;
      }
      const runtimeStatus = status.runtimeStatus as InstanceStatus['runtimeStatus'];
      return {
        runtimeStatus: runtimeStatuses.has(runtimeStatus) ? runtimeStatus : 'Unknown',
        customStatus: status.customStatus ?? null,
        input: status.input ?? null,
        createdAt: new Date(status.createdTime).toISOString(),
        updatedAt: new Date(status.lastUpdatedTime).toISOString(),
      };
    },
    async raiseEvent(instanceId, eventName, data) {
      await client.raiseEvent(instanceId, eventName, data ?? null);
    },
  };
}
