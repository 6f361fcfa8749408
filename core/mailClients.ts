import type { Catalogue } from './i18n/catalogue.js';

/**
 * The mail apps the password page has a set-up guide for, and which one a browser's User-Agent suggests. Pure: the
 * texts come from the language catalogue, the server names from the settings; this module decides the order of the
 * steps and which value goes in which field.
 */

/** In the order the guides are listed (the one for the visitor's device comes first). */
export const mailClients = ['outlook', 'appleMail', 'iosMail', 'generic'] as const;

export type MailClient = (typeof mailClients)[number];

/**
 * The guide that matches the device the page is open on. Server-side and best effort: iPadOS Safari presents itself
 * as a Mac, so an iPad gets the Apple Mail guide open, and the other guides are one tap away.
 */
export function detectMailClient(userAgent: string | null | undefined): MailClient {
  const ua = userAgent ?? '';
  if (/\b(iPhone|iPad|iPod)\b/.test(ua)) return 'iosMail';
  // Android and Windows Phone user agents also say "Linux" or "Windows"; they have neither Outlook for Windows nor Mail.
  if (/\bAndroid\b|\bWindows Phone\b/.test(ua)) return 'generic';
  if (/\bMacintosh\b/.test(ua)) return 'appleMail';
  if (/\bWindows\b/.test(ua)) return 'outlook';
  return 'generic';
}

/** A mail server as the employee types it into their app. */
export interface MailServer {
  readonly host: string;
  readonly port: number;
}

export interface MailServers {
  readonly imap?: MailServer | undefined;
  readonly smtp?: MailServer | undefined;
}

const hostPort =
  /^((?=.{1,253}:)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*):(\d{1,5})$/;

/** `host:port` (a DNS name or IPv4 address and a port from 1 to 65535), or undefined when it is not one. */
export function parseMailServer(text: string): MailServer | undefined {
  const match = hostPort.exec(text.trim());
  const host = match?.[1];
  const port = Number(match?.[2]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host: host.toLowerCase(), port };
}

/** What mail apps call the connection security: TLS from the first byte on the implicit-TLS ports, else STARTTLS. */
export function encryptionFor(port: number): 'SSL/TLS' | 'STARTTLS' {
  return port === 993 || port === 995 || port === 465 ? 'SSL/TLS' : 'STARTTLS';
}

/** One line of a step: a field as the app labels it, and what to put in it (`literal`: type or paste it exactly). */
export interface GuideField {
  readonly label: string;
  readonly value: string;
  readonly literal: boolean;
}

export interface GuideStep {
  readonly text: string;
  readonly fields: readonly GuideField[];
}

export interface SetupGuide {
  readonly client: MailClient;
  readonly title: string;
  readonly steps: readonly GuideStep[];
  /** The guide for the device the page is open on. */
  readonly suggested: boolean;
}

export type GuideTexts = Catalogue['pages']['guides'];

/**
 * The set-up guides in one language, the suggested one first. The user name is the account's UPN; the password is
 * never repeated here: every step that needs it says to paste it from the clipboard.
 */
export function setupGuides(
  t: GuideTexts,
  userName: string,
  servers: MailServers,
  suggested: MailClient,
): readonly SetupGuide[] {
  const f = t.fields;
  const literal = (label: string, value: string): GuideField => ({ label, value, literal: true });
  const user = (label: string = f.userName) => literal(label, userName);
  const password: GuideField = { label: f.password, value: t.pasteAppPassword, literal: false };
  const askIt = (label: string): GuideField => ({ label, value: t.askIt, literal: false });
  /** Server, port and encryption, for apps that ask for all three. */
  const fullServer = (server: MailServer | undefined, label: string = f.server): GuideField[] =>
    server === undefined
      ? [askIt(label)]
      : [
          literal(label, server.host),
          literal(f.port, String(server.port)),
          literal(f.encryption, encryptionFor(server.port)),
        ];
  /** Only the host, for apps that find the port and encryption themselves. */
  const host = (server: MailServer | undefined, label: string) =>
    server === undefined ? askIt(label) : literal(label, server.host);
  const step = (text: string, ...fields: GuideField[]): GuideStep => ({ text, fields });
  const copyFirst = step(t.copyFirst);

  const steps: Readonly<Record<MailClient, readonly GuideStep[]>> = {
    outlook: [
      copyFirst,
      step(t.outlook.open),
      step(t.outlook.address, user(f.emailAddress)),
      step(t.outlook.manual),
      step(t.outlook.incoming, ...fullServer(servers.imap)),
      step(t.outlook.outgoing, ...fullServer(servers.smtp)),
      step(t.outlook.signIn, user(), password),
      step(t.outlook.done),
    ],
    appleMail: [
      copyFirst,
      step(t.appleMail.open),
      step(t.appleMail.other),
      step(t.appleMail.account, user(f.emailAddress), password),
      step(
        t.appleMail.servers,
        user(),
        literal(f.accountType, 'IMAP'),
        host(servers.imap, f.incomingServer),
        host(servers.smtp, f.outgoingServer),
      ),
      step(t.appleMail.done),
    ],
    iosMail: [
      copyFirst,
      step(t.iosMail.open),
      step(t.iosMail.other),
      step(t.iosMail.account, user(f.emailAddress), password),
      step(t.iosMail.incoming, host(servers.imap, f.hostName), user(), password),
      step(t.iosMail.outgoing, host(servers.smtp, f.hostName), user(), password),
      step(t.iosMail.done),
    ],
    generic: [
      copyFirst,
      step(t.generic.open),
      step(t.generic.account, user(), password),
      step(t.generic.incoming, ...fullServer(servers.imap)),
      step(t.generic.outgoing, ...fullServer(servers.smtp)),
      step(t.generic.done),
    ],
  };
  const ordered = [suggested, ...mailClients.filter((client) => client !== suggested)];
  return ordered.map((client) => ({
    client,
    title: t[client].title,
    steps: steps[client],
    suggested: client === suggested,
  }));
}
