import type { TokenCredential } from '@azure/identity';
import type { ResolveHost } from '../core/callbackUrl.js';
import type { Config } from '../core/config.js';
import { redact } from '../core/redact.js';
import type {
  AppPasswordCredentialStore,
  AuditLog,
  Directory,
  EnrollmentStore,
  HrCallbackSender,
  LinkTokenStore,
  Mailer,
  OneTimeCodeStore,
  RateLimiter,
  RevealClaimStore,
  SmsSender,
  Vault,
} from '../core/ports.js';
import type { TableClientFactory } from '../adapters/tables/tableClients.js';
import { createFollowUps, type FollowUps } from './followUps.js';

/** The adapters the functions use, each built on first use and then shared. */
export interface Services {
  readonly config: Config;
  readonly enrollments: () => Promise<EnrollmentStore>;
  readonly linkTokens: () => Promise<LinkTokenStore>;
  readonly oneTimeCodes: () => Promise<OneTimeCodeStore>;
  readonly revealClaims: () => Promise<RevealClaimStore>;
  readonly credentials: () => Promise<AppPasswordCredentialStore>;
  readonly audit: () => Promise<AuditLog>;
  readonly rateLimiter: () => Promise<RateLimiter>;
  readonly vault: () => Promise<Vault>;
  readonly mailer: () => Promise<Mailer>;
  readonly directory: () => Promise<Directory>;
  /** Undefined when no SMS provider is configured. */
  readonly sms: (() => Promise<SmsSender>) | undefined;
  /** Undefined when no callback signing secret is configured (HR callbacks are then refused at start). */
  readonly hrCallbacks: (() => Promise<HrCallbackSender>) | undefined;
  /** Every address of a callback URL's host, from the operating system's resolver. */
  readonly resolveHost: ResolveHost;
  /** Work handed off by requests to run after their answer, one queue per process. */
  readonly followUps: FollowUps;
  readonly now: () => Date;
}

/** Memoises an async factory; a failed build is forgotten so the next call tries again. */
function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

function smsSender(config: Config, credential: () => Promise<TokenCredential>): Services['sms'] {
  const { SMS_ENDPOINT: endpoint, SMS_FROM: from, SMS_ACCESS_KEY: accessKey } = config;
  if (endpoint === undefined || from === undefined) return undefined;
  return lazy(async () =>
    (await import('../adapters/acsSms.js')).createAcsSmsSender({
      endpoint,
      from,
      // The access key exists only for the local sink; in Azure the managed identity signs in.
      credential: accessKey === undefined ? await credential() : { accessKey },
      allowInsecureConnection: config.USE_LOCAL_EMULATORS,
    }),
  );
}

function hrCallbackSender(config: Config): Services['hrCallbacks'] {
  const signingKey = config.CALLBACK_SIGNING_SECRET;
  if (signingKey === undefined) return undefined;
  return lazy(async () =>
    (await import('../adapters/hrCallbackSender.js')).createHrCallbackSender({
      signingKey,
      // Outside local emulation, every address of the receiver's host is checked again at each send.
      ...(config.USE_LOCAL_EMULATORS ? {} : { resolveHost: resolveCallbackHost }),
    }),
  );
}

/** The resolver, loaded on first use like every adapter. */
const resolveCallbackHost: ResolveHost = async (hostname) =>
  (await import('../adapters/hostResolver.js')).resolveHost(hostname);

/**
 * The composition root. It runs at start-up with the validated config, but imports no SDK: each adapter's module is
 * loaded with `await import()` the first time something needs it, which keeps cold start close to the bare
 * Functions libraries (measured by `npm run bench`).
 */
export function createServices(config: Config): Services {
  const credential = lazy(async (): Promise<TokenCredential> => {
    if (config.USE_LOCAL_EMULATORS) {
      return (await import('../adapters/keyVaultVault.js')).createLocalEmulatorCredential();
    }
    const { DefaultAzureCredential } = await import('@azure/identity');
    return new DefaultAzureCredential(
      config.AZURE_CLIENT_ID === undefined ? {} : { managedIdentityClientId: config.AZURE_CLIENT_ID },
    );
  });

  const tables = lazy(async (): Promise<TableClientFactory> => {
    const { createTableClientFactory } = await import('../adapters/tables/tableClients.js');
    const storage = config.APP_TABLES;
    const access =
      storage.kind === 'connectionString'
        ? { connectionString: storage.connectionString }
        : { endpoint: storage.endpoint, credential: await credential() };
    return createTableClientFactory(access, { tablePrefix: config.APP_TABLE_PREFIX });
  });

  return {
    config,
    now: () => new Date(),
    // Steps run after their invocation has ended: the worker's stderr, not the invocation's log, reaches the host.
    followUps: createFollowUps({
      log: (line) => {
        console.warn(line);
      },
    }),
    enrollments: lazy(async () =>
      (await import('../adapters/tables/enrollmentStore.js')).createTableEnrollmentStore(await tables()),
    ),
    linkTokens: lazy(async () =>
      (await import('../adapters/tables/linkTokenStore.js')).createTableLinkTokenStore(await tables()),
    ),
    oneTimeCodes: lazy(async () =>
      (await import('../adapters/tables/oneTimeCodeStore.js')).createTableOneTimeCodeStore(await tables()),
    ),
    revealClaims: lazy(async () =>
      (await import('../adapters/tables/revealClaimStore.js')).createTableRevealClaimStore(await tables()),
    ),
    credentials: lazy(async () =>
      (await import('../adapters/tables/appPasswordCredentialStore.js')).createTableAppPasswordCredentialStore(
        await tables(),
      ),
    ),
    audit: lazy(async () => (await import('../adapters/tables/auditLog.js')).createTableAuditLog(await tables())),
    rateLimiter: lazy(async () =>
      (await import('../adapters/tables/rateLimiter.js')).createTableRateLimiter(await tables()),
    ),
    vault: lazy(async () =>
      (await import('../adapters/keyVaultVault.js')).createKeyVaultVault({
        vaultUrl: config.KEYVAULT_URL,
        credential: await credential(),
        localEmulator: config.USE_LOCAL_EMULATORS,
        budget: {
          secretWrites: config.KEYVAULT_SECRET_WRITE_BUDGET,
          otherOperations: config.KEYVAULT_OTHER_OPERATION_BUDGET,
          windowMs: config.KEYVAULT_BUDGET_WINDOW,
        },
        // A read waits for a person, outside any activity: the worker's stderr reaches the host's log.
        onThrottledRead: (message) => {
          console.warn(redact(message));
        },
      }),
    ),
    mailer: lazy(async () =>
      (await import('../adapters/sendGridMailer.js')).createSendGridMailer({
        apiKey: config.SENDGRID_API_KEY,
        from: { email: config.MAIL_FROM, name: config.MAIL_FROM_NAME },
        ...(config.SENDGRID_BASE_URL === undefined ? {} : { baseUrl: config.SENDGRID_BASE_URL }),
      }),
    ),
    sms: smsSender(config, credential),
    hrCallbacks: hrCallbackSender(config),
    resolveHost: resolveCallbackHost,
    directory: lazy(async () =>
      (await import('../adapters/graphDirectory.js')).createGraphDirectory({
        credential: await credential(),
        baseUrl: config.GRAPH_BASE_URL,
      }),
    ),
  };
}
