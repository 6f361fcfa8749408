import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createHrApiHandlers } from '../../functions/handlers/hrApi.js';
import { minimalAzureSettings } from '../helpers/azureSettings.js';

/** An Azure (non-emulated) configuration, so the start handler applies its SSRF checks. */
const azureSettings = {
  ...minimalAzureSettings,
  CALLBACK_SIGNING_SECRET: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
};

const untouched = () => {
  throw new Error('a refused request must not reach storage or the task hub');
};

/** Problem responses carry their document as JSON text (functions/handlers/http.ts). */
const problemOf = (response: HttpResponseInit): unknown => JSON.parse(response.body as string);

/** Names resolve from a table, never through the network. */
const names: Record<string, readonly string[]> = {
  'hr.contoso.com': ['10.20.30.40'],
  'hr.example.org': ['8.8.8.8', '127.0.0.1'],
};

function startWith(settings: Record<string, string>, callbackUrl: string) {
  const handlers = createHrApiHandlers({
    config: loadConfig(settings),
    enrollments: untouched,
    credentials: untouched,
    directory: untouched,
    resolveHost: (hostname) => Promise.resolve(names[hostname] ?? []),
    instances: untouched,
    now: () => new Date(),
    newId: untouched,
  });
  const request = new HttpRequest({
    method: 'POST',
    url: 'https://enroll.contoso.com/api/enrollments',
    headers: { 'content-type': 'application/json' },
    body: {
      string: JSON.stringify({
        employeeId: 'E1',
        userPrincipalName: 'e1@contoso.com',
        displayName: 'E One',
        inviteEmail: 'e1@example.com',
        contact: { email: 'e1@example.com' },
        callbackUrl,
      }),
    },
  });
  return handlers.startEnrollment(request, new InvocationContext({ functionName: 'startEnrollment' }));
}

describe('start handler: the deployment-dependent callbackUrl checks', () => {
  it.each([
    ['the cloud metadata endpoint', 'https://169.254.169.254/metadata/instance'],
    ['a private address', 'https://10.1.2.3/cb'],
    ['loopback', 'https://127.0.0.1:8443/cb'],
    ['IPv6 link-local', 'https://[fe80::1]/cb'],
    ['a name that resolves to a private address', 'https://hr.contoso.com/cb'],
    ['the same name with a trailing dot', 'https://hr.contoso.com./cb'],
    ['a name with one loopback address among public ones', 'https://hr.example.org/cb'],
  ])('refuses %s in Azure, before anything is written', async (_, url) => {
    const response = await startWith(azureSettings, url);
    expect(response.status).toBe(400);
    expect(problemOf(response)).toMatchObject({
      errors: [
        {
          pointer: '/callbackUrl',
          detail:
            'expected a host HR can be reached at; loopback, private, link-local and platform addresses are refused',
        },
      ],
    });
  });

  it('refuses a name that does not resolve', async () => {
    const response = await startWith(azureSettings, 'https://nowhere.contoso.com/cb');
    expect(problemOf(response)).toMatchObject({
      errors: [{ pointer: '/callbackUrl', detail: 'expected a host name that resolves to an address' }],
    });
  });

  it('refuses plain http in Azure', async () => {
    const response = await startWith(azureSettings, 'http://hr.contoso.com/cb');
    expect(problemOf(response)).toMatchObject({
      errors: [{ pointer: '/callbackUrl', detail: 'expected an https URL' }],
    });
  });

  it('refuses any callbackUrl when the deployment has no signing secret', async () => {
    const { CALLBACK_SIGNING_SECRET: _secret, ...withoutSecret } = azureSettings;
    const response = await startWith(withoutSecret, 'https://hr.contoso.com/cb');
    expect(response.status).toBe(400);
    expect(problemOf(response)).toMatchObject({
      errors: [
        {
          pointer: '/callbackUrl',
          detail: 'HR callbacks are not enabled on this deployment (it has no signing secret); leave callbackUrl out',
        },
      ],
    });
  });
});
