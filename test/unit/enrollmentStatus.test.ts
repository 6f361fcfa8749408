import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { isFinished, toStatusBody } from '../../core/enrollmentStatus.js';
import { PermanentError } from '../../core/errors.js';
import type { InstanceStatus } from '../../core/ports.js';
import { createHrApiHandlers } from '../../functions/handlers/hrApi.js';
import { minimalAzureSettings } from '../helpers/azureSettings.js';

const id = '6f1c1a43-4a34-4d0e-9d47-3a2b7d0c9e11';
const status = (overrides: Partial<InstanceStatus>): InstanceStatus => ({
  runtimeStatus: 'Running',
  customStatus: {
    stage: 'awaiting-verification',
    mfaRegistered: true,
    contactVerified: false,
    invitationExpiresAt: '2026-03-16T08:00:00.000Z',
  },
  input: { enrollmentId: id, employeeId: 'E1', policy: {} },
  createdAt: '2026-03-10T10:00:00.000Z',
  updatedAt: '2026-03-10T11:00:00.000Z',
  ...overrides,
});

describe('the status of an enrollment, read from its orchestration', () => {
  it('shows what the orchestrator reported', () => {
    expect(toStatusBody(id, status({}))).toEqual({
      id,
      employeeId: 'E1',
      stage: 'awaiting-verification',
      mfaRegistered: true,
      contactVerified: false,
      invitationExpiresAt: '2026-03-16T08:00:00.000Z',
      createdAt: '2026-03-10T10:00:00.000Z',
      updatedAt: '2026-03-10T11:00:00.000Z',
    });
  });

  it('reads an instance that has not reported yet as invited', () => {
    const body = toStatusBody(id, status({ customStatus: null, input: null }));
    expect(body).toMatchObject({ stage: 'invited', employeeId: '', mfaRegistered: false, contactVerified: false });
  });

  it('lets the runtime have the last word on a failed or terminated instance', () => {
    expect(toStatusBody(id, status({ runtimeStatus: 'Failed' })).stage).toBe('failed');
    expect(toStatusBody(id, status({ runtimeStatus: 'Terminated' })).stage).toBe('cancelled');
    expect(isFinished(id, status({ runtimeStatus: 'Completed' }))).toBe(true);
    expect(isFinished(id, status({ customStatus: { stage: 'revealed' } }))).toBe(true);
    expect(isFinished(id, status({}))).toBe(false);
  });

  it.each([
    ['an unknown stage', { stage: 'almost-done' }, 'customStatus.stage: expected one of invited, '],
    [
      'a flag that is not a boolean',
      { contactVerified: 'yes' },
      'customStatus.contactVerified: expected true or false',
    ],
    [
      'a deadline that is not a string',
      { retrievalExpiresAt: 1e12 },
      'customStatus.retrievalExpiresAt: expected a string',
    ],
    ['a string instead of an object', 'ready', 'customStatus: expected an object'],
  ])('refuses a custom status with %s, naming the enrollment and the field', (_, customStatus, field) => {
    const read = () => toStatusBody(id, status({ customStatus }));
    expect(read).toThrow(PermanentError);
    expect(read).toThrow(`Enrollment ${id} has a malformed orchestration status (${field}`);
  });

  it('refuses an input whose employee id is not a string', () => {
    expect(() => toStatusBody(id, status({ input: { employeeId: 7 } }))).toThrow(
      '(input.employeeId: expected a string)',
    );
  });

  it('answers HR a 500 problem for a malformed status, and logs what was wrong with which enrollment', async () => {
    const logged: unknown[][] = [];
    const handlers = createHrApiHandlers({
      config: loadConfig(minimalAzureSettings),
      enrollments: () => Promise.reject(new Error('not read')),
      credentials: () => Promise.reject(new Error('not read')),
      directory: () => Promise.reject(new Error('not read')),
      resolveHost: () => Promise.resolve([]),
      instances: () => ({
        start: () => Promise.reject(new Error('not started')),
        status: () => Promise.resolve(status({ customStatus: { stage: 42 } })),
        raiseEvent: () => Promise.reject(new Error('not raised')),
      }),
      now: () => new Date(),
      newId: () => id,
    });
    const response = await handlers.getEnrollment(
      new HttpRequest({ method: 'GET', url: `https://enroll.contoso.com/api/enrollments/${id}`, params: { id } }),
      new InvocationContext({ logHandler: (level, ...args) => logged.push([level, ...args]) }),
    );
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body as string)).toMatchObject({ status: 500 });
    expect(logged).toContainEqual([
      'error',
      expect.stringContaining(`Enrollment ${id} has a malformed orchestration status (customStatus.stage: `),
    ]);
  });
});
