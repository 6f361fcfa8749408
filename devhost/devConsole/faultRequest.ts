import type { FailStatus } from '../faults.js';
import { isRecord } from '../localHttp.js';
import { Refusal } from './refusal.js';

/*
 * Fault injection through the console (`POST /_dev/api/faults`): the next `count` requests to a stand-in fail with
 * `status` (and Retry-After) or hang. The sinks queue faults behind those still pending; the vault's failNext
 * replaces what is pending.
 */

/** The local stand-ins `POST /_dev/api/faults` can target. */
export type FaultTargetName = 'vault' | 'mail' | 'sms';

/**
 * A stand-in that can be told to misbehave for its next requests: the running sinks' and local vault's own handles.
 * The vault can fail but not hang (it has no `hangNext`).
 */
export interface DevConsoleFaultTarget {
  failNext(count: number, status: FailStatus, retryAfterSeconds?: number): void;
  readonly hangNext?: (count: number) => void;
}

/** A fault the console applied, echoed back as `{ applied }`. */
export type AppliedFault =
  | {
      readonly target: FaultTargetName;
      readonly kind: 'fail';
      readonly status: FailStatus;
      readonly count: number;
      readonly retryAfterSeconds?: number;
    }
  | { readonly target: FaultTargetName; readonly kind: 'hang'; readonly count: number };

/** Upper bounds for one fault request: enough for any soak, small enough that a typo cannot break a stand-in for good. */
export const maxFaultCount = 10_000;
export const maxRetryAfterSeconds = 3_600;
const faultTargets: readonly FaultTargetName[] = ['vault', 'mail', 'sms'];
const failStatuses: readonly FailStatus[] = [429, 500, 503];
const faultFields = new Set(['target', 'kind', 'status', 'count', 'retryAfterSeconds']);
const expected =
  'Expected { "target": "vault" | "mail" | "sms", "kind": "fail" | "hang", "status"?: 429 | 500 | 503, ' +
  '"count": n, "retryAfterSeconds"?: n }.';

/** The body of `POST /_dev/api/faults`, checked field by field; a Refusal (400) names the first problem. */
export function parseFault(body: unknown): AppliedFault {
  if (!isRecord(body)) throw new Refusal(400, expected);
  const unknown = Object.keys(body).filter((key) => !faultFields.has(key));
  if (unknown.length > 0) throw new Refusal(400, `Unknown field(s): ${unknown.join(', ')}. ${expected}`);
  const { target, kind, status, count, retryAfterSeconds } = body;
  const isTarget = (value: unknown): value is FaultTargetName => faultTargets.some((name) => name === value);
  if (!isTarget(target)) throw new Refusal(400, `target must be one of ${faultTargets.join(', ')}.`);
  if (!isWholeNumber(count) || count < 1 || count > maxFaultCount) {
    throw new Refusal(400, `count must be a whole number from 1 to ${maxFaultCount}.`);
  }
  if (kind === 'hang') {
    if (status !== undefined || retryAfterSeconds !== undefined) {
      throw new Refusal(400, 'A hang has no status and no retryAfterSeconds.');
    }
    return { target, kind, count };
  }
  if (kind !== 'fail') throw new Refusal(400, 'kind must be fail or hang.');
  const isFailStatus = (value: unknown): value is FailStatus => failStatuses.some((code) => code === value);
  if (!isFailStatus(status)) throw new Refusal(400, `A failure needs status ${failStatuses.join(', ')}.`);
  if (retryAfterSeconds === undefined) return { target, kind, status, count };
  if (!isWholeNumber(retryAfterSeconds) || retryAfterSeconds < 0 || retryAfterSeconds > maxRetryAfterSeconds) {
    throw new Refusal(400, `retryAfterSeconds must be a whole number from 0 to ${maxRetryAfterSeconds}.`);
  }
  return { target, kind, status, count, retryAfterSeconds };
}

/** Tells the fault's target to misbehave; a Refusal (400) when this runtime has no such target or it cannot hang. */
export function applyFault(
  targets: Readonly<Partial<Record<FaultTargetName, DevConsoleFaultTarget>>> | undefined,
  fault: AppliedFault,
): void {
  const target = targets?.[fault.target];
  if (target === undefined) throw new Refusal(400, `This runtime has no ${fault.target} to inject faults into.`);
  if (fault.kind === 'fail') {
    target.failNext(fault.count, fault.status, fault.retryAfterSeconds);
    return;
  }
  if (target.hangNext === undefined) {
    throw new Refusal(400, `The local ${fault.target} can be told to fail, not to hang.`);
  }
  target.hangNext(fault.count);
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}
