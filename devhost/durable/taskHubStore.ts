import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { sdkStatusCode } from '../../adapters/tables/errors.js';
import { encodeKey, type TableClientFactory } from '../../adapters/tables/tableClients.js';
import type { HistoryEvent } from './history.js';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

/** One instance's summary row; lives in the same partition as its history so an episode commits atomically. */
export interface InstanceState {
  readonly instanceId: string;
  readonly name: string;
  readonly runtimeStatus: RuntimeStatus;
  /** JSON texts, as the extension stores them. */
  readonly input: string;
  readonly output: string;
  readonly customStatus: string;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  readonly historyLength: number;
  /** Keys of the most recent work items this instance consumed: a redelivered item is recognised and skipped. */
  readonly consumed: readonly string[];
  readonly etag?: string;
}

export type WorkKind = 'event' | 'activity' | 'timer';

export interface WorkItem {
  readonly key: string;
  readonly instanceId: string;
  readonly kind: WorkKind;
  readonly dueAt: number;
  /** event: a HistoryEvent; activity: { taskScheduledId, name, input }; timer: { timerId, fireAt }. JSON text. */
  readonly payload: string;
}

const stateRow = '~state';
const workPartition = 'work';
const pad = (n: number) => String(Math.max(0, Math.floor(n))).padStart(15, '0');

/** Keys sort by due time, then instance; the suffix makes keys deterministic where redelivery must be idempotent. */
export function workKey(dueAt: number, instanceId: string, suffix: string): string {
  return `${pad(dueAt)}-${encodeKey(instanceId)}-${suffix}`;
}

type StateEntity = {
  partitionKey: string;
  rowKey: string;
  InstanceId: string;
  Name: string;
  RuntimeStatus: string;
  Input: string;
  Output: string;
  CustomStatus: string;
  CreatedTime: string;
  LastUpdatedTime: string;
  HistoryLength: number;
  Consumed: string;
};

/**
 * The local runtime's task hub in Azurite tables: `<hub>Instances` holds, per instance partition, one row per history
 * event plus a state row; `<hub>Work` is the queue of due work (events to deliver, activities to run, timers).
 */
export class TaskHubStore {
  private constructor(
    private readonly instances: TableClient,
    private readonly work: TableClient,
  ) {}

  static async open(tables: TableClientFactory, hubName: string): Promise<TaskHubStore> {
    return new TaskHubStore(await tables(`${hubName}Instances`), await tables(`${hubName}Work`));
  }

  async getState(instanceId: string): Promise<InstanceState | undefined> {
    try {
      const entity = await this.instances.getEntity<StateEntity>(encodeKey(instanceId), stateRow);
      return fromStateEntity(entity, entity.etag);
    } catch (error) {
      if (sdkStatusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async listStates(): Promise<InstanceState[]> {
    const states: InstanceState[] = [];
    const rows = this.instances.listEntities<StateEntity>({
      queryOptions: { filter: odata`RowKey eq ${stateRow}` },
    });
    for await (const entity of rows) states.push(fromStateEntity(entity, entity.etag));
    return states;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    const events: { index: string; event: HistoryEvent }[] = [];
    const rows = this.instances.listEntities<{ rowKey: string; Event: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${encodeKey(instanceId)} and RowKey lt ${stateRow}` },
    });
    for await (const row of rows) events.push({ index: row.rowKey, event: JSON.parse(row.Event) as HistoryEvent });
    return events.sort((a, b) => a.index.localeCompare(b.index)).map((entry) => entry.event);
  }

  /** Creates a new instance's state row; false when the id is taken. */
  async create(state: InstanceState): Promise<boolean> {
    try {
      await this.instances.createEntity(toStateEntity(state));
      return true;
    } catch (error) {
      if (sdkStatusCode(error) === 409) return false;
      throw error;
    }
  }

  /**
   * Appends an episode's events and the new state in one entity-group transaction (same partition), conditional on
   * the state row's ETag: an episode is either wholly in the task hub or not at all.
   */
  async commit(state: InstanceState, newEvents: readonly HistoryEvent[]): Promise<void> {
    const partition = encodeKey(state.instanceId);
    const actions: TransactionAction[] = newEvents.map((event, offset) => [
      'create',
      {
        partitionKey: partition,
        rowKey: pad(state.historyLength - newEvents.length + offset),
        Event: JSON.stringify(event),
      },
    ]);
    actions.push(['update', toStateEntity(state), 'Replace', { etag: state.etag ?? '*' }]);
    // A transaction holds at most 100 operations; episodes here append a handful of events.
    for (let i = 0; i < actions.length; i += 100) {
      await this.instances.submitTransaction(actions.slice(i, i + 100));
    }
  }

  async purge(instanceId: string): Promise<number> {
    const partition = encodeKey(instanceId);
    const keys: string[] = [];
    for await (const row of this.instances.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${partition}` },
    })) {
      keys.push(row.rowKey ?? '');
    }
    for (let i = 0; i < keys.length; i += 100) {
      await this.instances.submitTransaction(
        keys.slice(i, i + 100).map((rowKey) => ['delete', { partitionKey: partition, rowKey }]),
      );
    }
    return keys.length > 0 ? 1 : 0;
  }

  async enqueue(items: readonly WorkItem[]): Promise<void> {
    for (const item of items) {
      await this.work.upsertEntity(
        {
          partitionKey: workPartition,
          rowKey: item.key,
          InstanceId: item.instanceId,
          Kind: item.kind,
          DueAt: item.dueAt,
          Payload: item.payload,
        },
        'Replace',
      );
    }
  }

  async hasWork(key: string): Promise<boolean> {
    try {
      await this.work.getEntity(workPartition, key);
      return true;
    } catch (error) {
      if (sdkStatusCode(error) === 404) return false;
      throw error;
    }
  }

  async deleteWork(key: string): Promise<void> {
    try {
      await this.work.deleteEntity(workPartition, key);
    } catch (error) {
      if (sdkStatusCode(error) !== 404) throw error;
    }
  }

  /**
   * Work due at `now`, oldest first, from one of the two queues Azure Storage keeps: the control queue (events and
   * timers for orchestrator episodes) or the work-item queue (activities).
   */
  async dueWork(now: number, queue: 'orchestration' | 'activity', limit: number): Promise<WorkItem[]> {
    const items: WorkItem[] = [];
    const kind = queue === 'activity' ? odata`Kind eq ${'activity'}` : odata`Kind ne ${'activity'}`;
    const rows = this.work.listEntities<{
      rowKey: string;
      InstanceId: string;
      Kind: WorkKind;
      DueAt: number;
      Payload: string;
    }>({
      queryOptions: { filter: `${odata`PartitionKey eq ${workPartition} and RowKey lt ${pad(now + 1)}`} and ${kind}` },
    });
    for await (const row of rows) {
      items.push({
        key: row.rowKey,
        instanceId: row.InstanceId,
        kind: row.Kind,
        dueAt: row.DueAt,
        payload: row.Payload,
      });
      if (items.length >= limit) break;
    }
    return items;
  }
}

function toStateEntity(state: InstanceState): StateEntity {
  return {
    partitionKey: encodeKey(state.instanceId),
    rowKey: stateRow,
    InstanceId: state.instanceId,
    Name: state.name,
    RuntimeStatus: state.runtimeStatus,
    Input: state.input,
    Output: state.output,
    CustomStatus: state.customStatus,
    CreatedTime: state.createdTime,
    LastUpdatedTime: state.lastUpdatedTime,
    HistoryLength: state.historyLength,
    Consumed: JSON.stringify(state.consumed),
  };
}

function fromStateEntity(entity: StateEntity, etag: string): InstanceState {
  return {
    instanceId: entity.InstanceId,
    name: entity.Name,
    runtimeStatus: entity.RuntimeStatus as RuntimeStatus,
    input: entity.Input,
    output: entity.Output,
    customStatus: entity.CustomStatus,
    createdTime: entity.CreatedTime,
    lastUpdatedTime: entity.LastUpdatedTime,
    historyLength: entity.HistoryLength,
    consumed: JSON.parse(entity.Consumed) as string[],
    etag,
  };
}
