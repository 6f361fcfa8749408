import type { StatusPayload } from '../durable/taskHub.js';
import { isRecord } from '../localHttp.js';

/** One orchestration instance as the console lists it. */
export interface InstanceSummary {
  readonly instanceId: string;
  readonly name: string;
  readonly runtimeStatus: StatusPayload['runtimeStatus'];
  readonly stage: string | null;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
}

/** The instances newest first (by creation, then last update, then id, so the order is stable). */
export function summarise(statuses: readonly StatusPayload[]): InstanceSummary[] {
  return statuses
    .map((status) => ({
      instanceId: status.instanceId,
      name: status.name,
      runtimeStatus: status.runtimeStatus,
      stage: stageOf(status),
      createdTime: status.createdTime,
      lastUpdatedTime: status.lastUpdatedTime,
    }))
    .sort(
      (a, b) =>
        Date.parse(b.createdTime) - Date.parse(a.createdTime) ||
        Date.parse(b.lastUpdatedTime) - Date.parse(a.lastUpdatedTime) ||
        a.instanceId.localeCompare(b.instanceId),
    );
}

/** The enrollment stage the orchestration reports in its custom status, or null before it reports one. */
export function stageOf(status: StatusPayload): string | null {
  const stage = isRecord(status.customStatus) ? status.customStatus['stage'] : undefined;
  return typeof stage === 'string' ? stage : null;
}
