import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Refuses to resolve the Azure SDKs and SendGrid, so a plain-Node import of the entry fails if anything on the start-up
 * path loads them eagerly (the cold-start rule in docs/architecture.md: adapters are built on first use).
 */
const forbidSdks = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
  const forbidden = /^(@azure\\\\/(keyvault-secrets|identity|data-tables)|@sendgrid\\\\/)/;
  export async function resolve(specifier, context, next) {
    if (forbidden.test(specifier)) throw new Error('start-up imported ' + specifier);
    return next(specifier, context);
  }
\`));
`;

const env = {
  PATH: process.env['PATH'] ?? '',
  TASKHUB_NAME: 'BundleHub',
  APP_TABLES: 'UseDevelopmentStorage=true',
  KEYVAULT_URL: 'https://bundle.vault.azure.net',
  SENDGRID_API_KEY: 'SG.bundle',
  MAIL_FROM: 'onboarding@contoso.example',
  PUBLIC_BASE_URL: 'https://enroll.contoso.example',
};

function importEntry(extraEnv: Record<string, string> = {}) {
  const code = `
    const { installFunctionsCore } = await import('${root}dist/devhost/functionsCore.js');
    const registry = installFunctionsCore();
    await import('${root}dist/app/index.js');
    console.log(JSON.stringify(registry.all().map((r) => r.metadata.name + ':' + r.triggerType).sort()));
  `;
  return spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(forbidSdks)}`, '--input-type=module', '-e', code],
    {
      cwd: root,
      env: { ...env, ...extraEnv },
      encoding: 'utf8',
    },
  );
}

/** The bundle is built by the test run's global setup. */
describe('the deployable bundle (package.json "main") under plain Node', () => {
  it('registers every function without loading an Azure SDK or SendGrid', () => {
    const result = importEntry();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      'cancelEnrollment:httpTrigger',
      'disableAppPassword:activityTrigger',
      'employeeConfirmMfa:httpTrigger',
      'employeeEnrollmentPage:httpTrigger',
      'employeeReveal:httpTrigger',
      'employeeRevealFromEnrollment:httpTrigger',
      'employeeRevealPage:httpTrigger',
      'employeeSendContactCode:httpTrigger',
      'employeeSendRevealCode:httpTrigger',
      'employeeSendRevealCodeFromEnrollment:httpTrigger',
      'employeeVerifyContactCode:httpTrigger',
      'enrollment:orchestrationTrigger',
      'getEnrollment:httpTrigger',
      'listAppPasswords:httpTrigger',
      'listEnrollments:httpTrigger',
      'mintAppPassword:activityTrigger',
      'notifyHr:activityTrigger',
      'openApiDocument:httpTrigger',
      'pageAssets:httpTrigger',
      'raiseEnrollmentEvent:httpTrigger',
      'recordOutcome:activityTrigger',
      'reissueAppPassword:httpTrigger',
      'revokeAllAppPasswords:httpTrigger',
      'revokeAppPassword:httpTrigger',
      'sendEnrollmentEmail:activityTrigger',
      'startEnrollment:httpTrigger',
      'verifyAppPassword:httpTrigger',
    ]);
  });

  it('stops start-up with a message naming a missing setting', () => {
    const result = importEntry({ KEYVAULT_URL: '' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('KEYVAULT_URL: missing');
  });
});
