import Module from 'node:module';

/** What `@azure/functions` hands the worker for each registration (see its toCoreFunctionMetadata). */
export interface CoreFunctionMetadata {
  readonly name: string;
  readonly bindings: Readonly<
    Record<string, { readonly type: string; readonly direction: string; readonly [key: string]: unknown }>
  >;
  readonly retryOptions?: unknown;
}

export type CoreHandler = (triggerInput: unknown, context: unknown) => unknown;

export interface Registration {
  readonly metadata: CoreFunctionMetadata;
  readonly handler: CoreHandler;
  /** The trigger binding's type: httpTrigger, orchestrationTrigger, activityTrigger, ... */
  readonly triggerType: string;
}

export interface FunctionRegistry {
  get(name: string): Registration | undefined;
  all(): Registration[];
}

const registryKey = Symbol.for('app-password-enrollment.devhost.functions-core');

interface CoreState {
  readonly registrations: Map<string, Registration>;
}

/**
 * Supplies the `@azure/functions-core` module that the Node worker injects in Azure, so the app's own `app.http`,
 * `df.app.orchestration` and `df.app.activity` calls register here unchanged. Must run before `@azure/functions`
 * first registers anything: the library caches a failed lookup for the life of the process.
 * State lives on `globalThis` so that every copy of this module (test workers reload modules) shares one registry.
 */
export function installFunctionsCore(): FunctionRegistry {
  const holder = globalThis as unknown as Record<symbol, CoreState | undefined>;
  let state = holder[registryKey];
  if (state === undefined) {
    const created: CoreState = { registrations: new Map() };
    state = created;
    holder[registryKey] = created;
    const coreApi = {
      version: 'devhost',
      hostVersion: 'devhost',
      setProgrammingModel: () => undefined,
      getProgrammingModel: () => undefined,
      registerHook: () => ({ dispose: () => undefined }),
      registerFunction: (metadata: CoreFunctionMetadata, handler: CoreHandler) => {
        const trigger = Object.values(metadata.bindings).find((binding) => binding.type.endsWith('Trigger'));
        created.registrations.set(metadata.name, { metadata, handler, triggerType: trigger?.type ?? 'unknown' });
        return { dispose: () => created.registrations.delete(metadata.name) };
      },
    };
    const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const originalLoad = loader._load;
    loader._load = function load(this: unknown, request: string, ...rest: unknown[]) {
      if (request === '@azure/functions-core') return coreApi;
      return originalLoad.call(this, request, ...rest);
    };
  }
  const registrations = state.registrations;
  return {
    get: (name) => registrations.get(name),
    all: () => [...registrations.values()],
  };
}
