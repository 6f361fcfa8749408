import type { CallbackInboxEntry } from '../../callbackInbox.js';
import type { RecentStart } from '../consoleMemory.js';
import type { InstanceSummary } from '../instances.js';
import type { OutboxEntry } from '../outbox.js';

/** A made-up employee the Play HR form is filled in with, new for each page so that each start is a new one. */
export interface DemoEmployee {
  readonly employeeId: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly inviteEmail: string;
  readonly contactEmail: string;
  readonly contactPhone: string;
  readonly locale: string;
  readonly deviceLabel: string;
}

/** Everything the console's home page shows; each section takes its part. */
export interface ConsoleView {
  /** What is on its way (see messagesOnTheirWay), and whether the page reloads itself until it arrives. */
  readonly onItsWay: readonly string[];
  readonly reloading: boolean;
  readonly filter: { readonly to: string; readonly channel?: string };
  readonly filterError: string | undefined;
  /** Newest first. */
  readonly messages: readonly OutboxEntry[];
  readonly instances: readonly InstanceSummary[];
  readonly directory: readonly { readonly upn: string; readonly registered: boolean }[];
  /** Newest first. */
  readonly recentStarts: readonly RecentStart[];
  /** Newest first. */
  readonly callbacks: readonly CallbackInboxEntry[];
  /** Whether the runtime has a CALLBACK_SIGNING_SECRET, without which the HR API refuses a callbackUrl. */
  readonly callbacksVerifiable: boolean;
  readonly demo: DemoEmployee;
}
