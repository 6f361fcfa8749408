import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallbackInbox } from '../callbackInbox.js';
import type { TaskHub } from '../durable/taskHub.js';
import type { DevConsoleFaultTarget, FaultTargetName } from './faultRequest.js';
import type { OutboxEntry } from './outbox.js';

/** Serves a request when its path is `/_dev` or under `/_dev/` and resolves true; resolves false for anything else. */
export type DevConsole = (request: IncomingMessage, url: URL, response: ServerResponse) => Promise<boolean>;

/** Where HR's callback receiver, played by the console, takes the app's stage events. */
export const callbackInboxPath = '/_dev/callbacks';

export interface DevConsoleDirectory {
  setMfaRegistered(upn: string, registered: boolean): void;
  isMfaRegistered(upn: string): boolean;
}

export interface StartEnrollmentResult {
  readonly status: number;
  readonly body: unknown;
}

export interface DevConsoleDependencies {
  /** Every message the sinks accepted; the console sorts them by `receivedAt`. */
  readonly outbox: () => readonly OutboxEntry[];
  readonly directory: DevConsoleDirectory;
  readonly taskHub: Pick<TaskHub, 'list' | 'status'>;
  /** Calls the real HR API (`POST /api/enrollments`) with the function key; see `hrApiStarter`. */
  readonly startEnrollment: (body: unknown) => Promise<StartEnrollmentResult>;
  /** The stand-ins fault injection reaches; a target left out answers 400. */
  readonly faults?: Readonly<Partial<Record<FaultTargetName, DevConsoleFaultTarget>>>;
  /** Keeps what the app POSTs to `/_dev/callbacks`. */
  readonly callbackInbox: Pick<CallbackInbox, 'receive' | 'entries' | 'canVerify'>;
  /**
   * The runtime's URL as the app reaches it (`http://localhost:7071`): the Play HR form asks for callbacks to
   * `<runtimeUrl>/_dev/callbacks`, which the start handler accepts locally as plain http to a loopback host.
   */
  readonly runtimeUrl: string;
}
