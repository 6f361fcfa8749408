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
}
