import { describe, expect, it } from 'vitest';
import { ConsoleMemory, maxRecent } from '../../../devhost/devConsole/consoleMemory.js';
import type { StartEnrollmentResult } from '../../../devhost/devConsole/dependencies.js';
import { messagesOnTheirWay } from '../../../devhost/devConsole/onItsWay.js';

function memoryWith(answer: (body: unknown) => Promise<StartEnrollmentResult>) {
  const registered = new Set<string>();
  const memory = new ConsoleMemory({
    startEnrollment: answer,
    directory: {
      setMfaRegistered: (upn, value) => {
        if (value) registered.add(upn.trim().toLowerCase());
        else registered.delete(upn.trim().toLowerCase());
      },
      isMfaRegistered: (upn) => registered.has(upn.trim().toLowerCase()),
    },
  });
  return memory;
}

const accepted = () => Promise.resolve({ status: 202, body: { id: 'enr-1' } });
const body = (n: number) => ({
  employeeId: `E${n}`,
  userPrincipalName: `user${n}@contoso.example`,
  inviteEmail: 'a@b.c',
});

describe('ConsoleMemory', () => {
  it(`keeps the newest ${maxRecent} starts and users, the users most recent first`, async () => {
    const memory = memoryWith(accepted);
    for (let n = 1; n <= maxRecent + 5; n += 1) await memory.start(body(n));
    const starts = memory.starts();
    expect(starts).toHaveLength(maxRecent);
    expect(starts[0]?.employeeId).toBe('E6');
    expect(starts.at(-1)?.employeeId).toBe(`E${maxRecent + 5}`);
    const users = memory.directory().map((entry) => entry.upn);
    expect(users).toHaveLength(maxRecent);
    expect(users[0]).toBe(`user${maxRecent + 5}@contoso.example`);
  });

  it('remembers a user once however it is spelt: as last typed, moved to the front', () => {
    const memory = memoryWith(accepted);
    memory.setMfa('Anna@Contoso.example', true);
    memory.setMfa('bo@contoso.example', false);
    memory.setMfa(' anna@contoso.EXAMPLE ', false);
    expect(memory.directory()).toEqual([
      { upn: 'anna@contoso.EXAMPLE', registered: false },
      { upn: 'bo@contoso.example', registered: false },
    ]);
  });

  it('remembers a refused start but not its user, and an unreachable API as a 502 rather than throwing', async () => {
    const refused = memoryWith(() => Promise.resolve({ status: 400, body: { title: 'Bad' } }));
    await refused.start(body(1));
    expect(refused.starts().map((start) => start.status)).toEqual([400]);
    expect(refused.directory()).toEqual([]);
    const down = memoryWith(() => Promise.reject(new Error('fetch failed', { cause: new Error('ECONNREFUSED') })));
    const result = await down.start(body(2));
    expect(result).toEqual({
      status: 502,
      body: { error: 'The HR API could not be reached: fetch failed (ECONNREFUSED)' },
    });
    expect(down.starts()[0]?.status).toBe(502);
  });
});

describe('messagesOnTheirWay', () => {
  const now = Date.parse('2025-03-01T10:00:00.000Z');
  const start = (minutesAgo: number, status = 202) => ({
    at: new Date(now - minutesAgo * 60_000).toISOString(),
    employeeId: 'E1',
    userPrincipalName: 'anna@contoso.example',
    inviteEmail: 'Anna@Private.example',
    status,
    body: null,
  });
  const mail = {
    id: 'm',
    channel: 'email' as const,
    receivedAt: '',
    to: ['anna@private.example'],
    subject: '',
    text: '',
    html: '',
    links: [],
  };

  it('waits for a recent accepted start’s invitation until a message to that address arrives', () => {
    expect(messagesOnTheirWay([start(1)], [], [], now)).toEqual(['the invitation to Anna@Private.example']);
    expect(messagesOnTheirWay([start(1)], [mail], [], now)).toEqual([]);
    expect(messagesOnTheirWay([start(6)], [], [], now)).toEqual([]);
    expect(messagesOnTheirWay([start(1, 400)], [], [], now)).toEqual([]);
    expect(messagesOnTheirWay([start(1), start(2)], [], [], now)).toHaveLength(1);
  });

  it('waits for the ready e-mail of every enrollment being issued', () => {
    const issuing = {
      instanceId: 'enr-1',
      name: 'enrollment',
      runtimeStatus: 'Running' as const,
      stage: 'issuing',
      createdTime: '',
      lastUpdatedTime: '',
    };
    expect(messagesOnTheirWay([], [], [issuing, { ...issuing, instanceId: 'enr-2', stage: 'ready' }], now)).toEqual([
      'the app password and ready e-mail of enrollment enr-1',
    ]);
  });
});
