/**
 * The shape of a language's message catalogue. Both languages implement this type, so a key missing in one of them
 * is a compile error; unit tests also fail on keys that nothing shows (test/unit/emails.test.ts for `mail`,
 * test/unit/pages.test.ts for `pages` and `sms`).
 */
export interface Catalogue {
  readonly mail: {
    readonly greeting: (name: string) => string;
    readonly signature: string;
    readonly linkExpires: (when: string) => string;
    readonly ignoreIfUnexpected: string;
    readonly invitation: { readonly subject: string; readonly intro: string; readonly action: string };
    readonly reminder: { readonly subject: string; readonly intro: string; readonly action: string };
    readonly ready: { readonly subject: string; readonly intro: string; readonly action: string };
    readonly expired: { readonly subject: string; readonly intro: string };
    readonly contactCode: {
      readonly subject: string;
      readonly intro: string;
      readonly codeLabel: string;
      readonly validFor: (minutes: number) => string;
    };
  };
  readonly sms: {
    /** The text message carrying a one-time code. */
    readonly code: (code: string, minutes: number) => string;
    /** The link to another app password for a contact without e-mail; no secret in it, the link needs a code too. */
    readonly ready: (link: string, until: string) => string;
  };
  readonly pages: {
    readonly siteName: string;
    readonly switchLanguage: string;
    readonly footer: string;
    readonly enrollTitle: string;
    readonly enrollIntro: (name: string) => string;
    /** `when` is a date and time formatted for the reader (formatDateTime). */
    readonly enrollDeadline: (when: string) => string;
    readonly stepDone: string;
    readonly stepPending: string;
    readonly opensInNewTab: string;
    readonly mfa: {
      readonly title: string;
      readonly help: string;
      readonly openSetup: string;
      readonly confirm: string;
      readonly notYet: string;
    };
    readonly contact: {
      readonly title: string;
      readonly help: string;
      readonly sendByEmail: (maskedAddress: string) => string;
      readonly sendBySms: (maskedNumber: string) => string;
      readonly codeSent: (minutes: number) => string;
      readonly codeLabel: string;
      readonly verify: string;
      readonly wrongCode: (attemptsLeft: number) => string;
      readonly codeExpired: string;
      readonly tooManyAttempts: string;
      readonly tooManyCodes: (minutes: number) => string;
      readonly sendFailed: string;
    };
    readonly password: {
      readonly title: string;
      readonly afterSteps: string;
      readonly waiting: string;
      readonly autoRefresh: (seconds: number) => string;
      readonly checkNow: string;
      readonly stopRefresh: string;
      readonly readyHelp: string;
      readonly revealDeadline: (when: string) => string;
      readonly reveal: string;
      readonly proveIt: string;
      readonly sendRevealCode: string;
      readonly heading: string;
      readonly shownOnce: string;
      readonly userNameLabel: string;
      readonly passwordLabel: string;
      readonly noNeedToRemember: string;
      readonly copy: string;
      readonly copied: string;
    };
    /** The set-up guides on the password page; core/mailClients.ts puts the steps in order. */
    readonly guides: {
      readonly heading: string;
      readonly intro: string;
      readonly suggested: string;
      readonly copyFirst: string;
      readonly pasteAppPassword: string;
      readonly askIt: string;
      readonly fields: {
        readonly emailAddress: string;
        readonly userName: string;
        readonly password: string;
        readonly accountType: string;
        readonly server: string;
        readonly hostName: string;
        readonly incomingServer: string;
        readonly outgoingServer: string;
        readonly port: string;
        readonly encryption: string;
      };
      readonly outlook: {
        readonly title: string;
        readonly open: string;
        readonly address: string;
        readonly manual: string;
        readonly incoming: string;
        readonly outgoing: string;
        readonly signIn: string;
        readonly done: string;
      };
      readonly appleMail: {
        readonly title: string;
        readonly open: string;
        readonly other: string;
        readonly account: string;
        readonly servers: string;
        readonly done: string;
      };
      readonly iosMail: {
        readonly title: string;
        readonly open: string;
        readonly other: string;
        readonly account: string;
        readonly incoming: string;
        readonly outgoing: string;
        readonly done: string;
      };
      readonly generic: {
        readonly title: string;
        readonly open: string;
        readonly account: string;
        readonly incoming: string;
        readonly outgoing: string;
        readonly done: string;
      };
    };
    readonly messages: {
      readonly alreadyShownTitle: string;
      readonly alreadyShown: string;
      readonly expiredTitle: string;
      readonly expired: string;
      readonly cancelledTitle: string;
      readonly cancelled: string;
      readonly failedTitle: string;
      readonly failed: string;
      readonly invalidTitle: string;
      readonly invalid: string;
      readonly forbiddenTitle: string;
      readonly forbidden: string;
      readonly tooManyRequestsTitle: string;
      readonly tooManyRequests: string;
      readonly errorTitle: string;
      readonly error: string;
    };
  };
}
