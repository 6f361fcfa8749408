import type { ApiSecurityScheme } from './builder.js';

/** How callers prove who they are. Functions keys are the host's own check, made before the app runs. */
export const securitySchemes = {
  functionKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-functions-key',
    description: 'A function key of the app (Azure portal: the function app → App keys).',
  },
  functionKeyQuery: {
    type: 'apiKey',
    in: 'query',
    name: 'code',
    description:
      'The same key as a query parameter, for clients that cannot set headers. Prefer the header: URLs are logged.',
  },
  relyingServiceKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-functions-key',
    description:
      'The relying services’ own function key, valid on the verify call only (scripts/set-function-keys.sh). ' +
      'HR’s key does not open it, and it opens nothing else.',
  },
} as const satisfies Record<string, ApiSecurityScheme>;

type SchemeName = keyof typeof securitySchemes;

/** Who may call an operation: alternatives, any one of which suffices. */
export const callers = {
  /** The HR system and the identity systems that report events: a function key, in the header or the query. */
  hr: [['functionKey'], ['functionKeyQuery']],
  /** SMTP relays, IMAP gateways and other services that check a presented app password. */
  relyingService: [['relyingServiceKey']],
  /** Anyone: no key. */
  anyone: [],
} as const satisfies Record<string, readonly (readonly SchemeName[])[]>;
