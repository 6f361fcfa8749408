/**
 * The shape of a language's message catalogue. Both languages implement this type, so a key missing in one of them
 * is a compile error; a unit test also fails on keys that nothing uses.
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
  readonly pages: {
    readonly siteName: string;
    readonly switchLanguage: string;
    readonly enrollTitle: string;
    readonly enrollIntro: (name: string) => string;
    readonly stepDone: string;
    readonly stepPending: string;
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
      readonly codeSent: string;
      readonly codeLabel: string;
      readonly verify: string;
      readonly wrongCode: (attemptsLeft: number) => string;
      readonly codeExpired: string;
      readonly tooManyAttempts: string;
      readonly tooManyCodes: string;
      readonly smsText: (code: string) => string;
    };
    readonly password: {
      readonly title: string;
      readonly waiting: string;
      readonly readyHelp: string;
      readonly reveal: string;
      readonly proveIt: string;
      readonly sendRevealCode: string;
      readonly heading: string;
      readonly shownOnce: string;
      readonly noNeedToRemember: string;
      readonly copy: string;
      readonly copied: string;
      readonly userNameLabel: string;
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
      readonly errorTitle: string;
      readonly error: string;
    };
  };
}
