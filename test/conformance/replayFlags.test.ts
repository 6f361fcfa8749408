import type { OrchestrationContext } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import type { OrchestratorHandler } from '../../devhost/durable/episode.js';
import { EventType, historyEvents } from '../../devhost/durable/history.js';
import { registerOrchestrator } from '../helpers/durableHarness.js';
import { OrchestrationDriver } from '../helpers/orchestrationDriver.js';

/*
 * Pins what the worker is told about replays. DTFx marks each event it has processed as played, except
 * OrchestratorStarted (Azure/durabletask src/DurableTask.Core/TaskOrchestrationExecutor.cs, ExecuteCore), and the
 * Azure Storage provider stores the flag with the event, so every later episode hands the worker earlier events with
 * IsPlayed true; the trigger's isReplaying is the ExecutionStarted event's IsPlayed (extension
 * DurableTaskExtension.cs, and Bindings/OrchestrationTriggerAttributeBindingProvider.cs, which sends both).
 * durable-functions derives context.df.isReplaying from them (src/orchestrations/TaskOrchestrationExecutor.ts).
 */

const start = new Date('2026-05-04T09:00:00.000Z');

interface Trigger {
  readonly isReplaying: boolean;
  readonly history: readonly { EventType: number; IsPlayed: boolean }[];
}

let seen: Trigger[] = [];
let replaying: boolean[] = [];

const handler = registerOrchestrator('ConformanceReplayFlags', function* (context: OrchestrationContext) {
  replaying.push(context.df.isReplaying);
  yield context.df.waitForExternalEvent('First');
  replaying.push(context.df.isReplaying);
  yield context.df.waitForExternalEvent('Second');
  replaying.push(context.df.isReplaying);
  return 'done';
});
const capturing: OrchestratorHandler = (trigger, context) => {
  seen.push(structuredClone(trigger) as Trigger);
  return handler(trigger, context);
};

const typeNames = new Map<number, string>(Object.entries(EventType).map(([name, value]) => [value, name]));
const played = (trigger: Trigger | undefined) =>
  (trigger?.history ?? []).map((event) => `${typeNames.get(event.EventType) ?? event.EventType}:${event.IsPlayed}`);

describe('replay flags', () => {
  it('hands the worker earlier events as played and this episode’s as new', async () => {
    seen = [];
    replaying = [];
    const driver = new OrchestrationDriver(capturing, 'ConformanceReplayFlags', null, start);
    await driver.start();
    await driver.raiseEvent('First');
    await driver.raiseEvent('Second');
    expect(driver.output).toBe('done');

    expect(seen.map((trigger) => trigger.isReplaying)).toEqual([false, true, true]);
    expect(played(seen[2])).toEqual([
      'OrchestratorStarted:false',
      'ExecutionStarted:true',
      'OrchestratorCompleted:false',
      'OrchestratorStarted:false',
      'EventRaised:true',
      'OrchestratorCompleted:false',
      'OrchestratorStarted:false',
      'EventRaised:false',
    ]);
    // What the orchestrator sees, in the last episode: replaying up to the new event, then not.
    expect(replaying.slice(-3)).toEqual([true, true, false]);
  });

  it('delivers several events of one episode as new, together', async () => {
    seen = [];
    const driver = new OrchestrationDriver(capturing, 'ConformanceReplayFlags', null, start);
    await driver.start();
    await driver.deliver(historyEvents.eventRaised(start, 'First', 1), historyEvents.eventRaised(start, 'Second', 2));
    expect(driver.output).toBe('done');
    expect(played(seen.at(-1)).slice(-3)).toEqual([
      'OrchestratorStarted:false',
      'EventRaised:false',
      'EventRaised:false',
    ]);
  });
});
