import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.js';
import { catalogues } from '../../core/i18n/index.js';
import {
  detectMailClient,
  encryptionFor,
  mailClients,
  parseMailServer,
  setupGuides,
  type MailClient,
  type MailServers,
} from '../../core/mailClients.js';

const userAgents: readonly [string, string | null | undefined, MailClient][] = [
  [
    'iPhone Safari',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'iosMail',
  ],
  [
    'iPad with a mobile user agent',
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
    'iosMail',
  ],
  [
    'Chrome on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1',
    'iosMail',
  ],
  [
    'Mac Safari',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    'appleMail',
  ],
  ['Mac Firefox', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0', 'appleMail'],
  [
    'Windows Edge',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
    'outlook',
  ],
  ['Windows Firefox', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0', 'outlook'],
  [
    'Android Chrome',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36',
    'generic',
  ],
  [
    'Windows Phone',
    'Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063',
    'generic',
  ],
  ['Linux Firefox', 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0', 'generic'],
  ['empty', '', 'generic'],
  ['missing', null, 'generic'],
  ['undefined', undefined, 'generic'],
];

describe('detectMailClient', () => {
  it.each(userAgents)('%s → %s', (_name, userAgent, expected) => {
    expect(detectMailClient(userAgent)).toBe(expected);
  });
});

describe('parseMailServer', () => {
  it.each([
    ['imap.contoso.example:993', { host: 'imap.contoso.example', port: 993 }],
    ['SMTP.Contoso.Example:587', { host: 'smtp.contoso.example', port: 587 }],
    ['mail-1.eu.contoso.example:143', { host: 'mail-1.eu.contoso.example', port: 143 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['10.0.0.5:65535', { host: '10.0.0.5', port: 65_535 }],
  ])('reads %s', (text, expected) => {
    expect(parseMailServer(text)).toEqual(expected);
  });

  it.each([
    'imap.contoso.example',
    ':993',
    'imap.contoso.example:',
    'imap.contoso.example:0',
    'imap.contoso.example:65536',
    'imap.contoso.example:99999',
    'imaps://imap.contoso.example:993',
    'imap.contoso.example:993/path',
    'imap contoso:993',
    '-imap.contoso.example:993',
    'imap..contoso.example:993',
    'imap.contoso.example:9a3',
    `${'a'.repeat(64)}.example:993`,
  ])('refuses %s', (text) => {
    expect(parseMailServer(text)).toBeUndefined();
  });
});

describe('encryptionFor', () => {
  it('is SSL/TLS on the implicit-TLS ports and STARTTLS elsewhere', () => {
    expect([993, 995, 465, 587, 143, 25, 2525].map(encryptionFor)).toEqual([
      'SSL/TLS',
      'SSL/TLS',
      'SSL/TLS',
      'STARTTLS',
      'STARTTLS',
      'STARTTLS',
      'STARTTLS',
    ]);
  });
});

describe('setupGuides', () => {
  const upn = 'anna.jensen@contoso.dk';
  const servers: MailServers = {
    imap: { host: 'imap.contoso.example', port: 993 },
    smtp: { host: 'smtp.contoso.example', port: 587 },
  };

  it.each(mailClients)('lists %s first, suggested, then the others in their usual order', (suggested) => {
    const guides = setupGuides(catalogues.en.pages.guides, upn, servers, suggested);
    expect(guides.map((guide) => guide.client)).toEqual([
      suggested,
      ...mailClients.filter((client) => client !== suggested),
    ]);
    expect(guides.map((guide) => guide.suggested)).toEqual([true, false, false, false]);
  });

  it.each(['da', 'en'] as const)('in %s, every guide says where the user name and the app password go', (locale) => {
    const t = catalogues[locale].pages.guides;
    for (const guide of setupGuides(t, upn, servers, 'generic')) {
      expect(guide.title).toBe(t[guide.client].title);
      expect(guide.steps.length, guide.client).toBeGreaterThanOrEqual(5);
      expect(guide.steps[0]?.text).toBe(t.copyFirst);
      const fields = guide.steps.flatMap((step) => step.fields);
      expect(fields, guide.client).toContainEqual({ label: t.fields.userName, value: upn, literal: true });
      expect(fields, guide.client).toContainEqual({
        label: t.fields.password,
        value: t.pasteAppPassword,
        literal: false,
      });
      expect(
        fields.map((field) => field.value),
        guide.client,
      ).toEqual(expect.arrayContaining(['imap.contoso.example', 'smtp.contoso.example']));
      // The password itself never appears in a guide: only the instruction to paste it.
      for (const step of guide.steps) expect(step.text.trim(), guide.client).not.toBe('');
    }
  });

  it('gives port and encryption where the app asks for them', () => {
    const t = catalogues.en.pages.guides;
    const generic = setupGuides(t, upn, servers, 'generic')[0];
    const fields = generic?.steps.flatMap((step) => step.fields) ?? [];
    expect(fields).toEqual(
      expect.arrayContaining([
        { label: t.fields.server, value: 'imap.contoso.example', literal: true },
        { label: t.fields.port, value: '993', literal: true },
        { label: t.fields.encryption, value: 'SSL/TLS', literal: true },
        { label: t.fields.server, value: 'smtp.contoso.example', literal: true },
        { label: t.fields.port, value: '587', literal: true },
        { label: t.fields.encryption, value: 'STARTTLS', literal: true },
      ]),
    );
  });

  it('says to ask IT where a server is not configured', () => {
    const t = catalogues.da.pages.guides;
    for (const guide of setupGuides(t, upn, { smtp: servers.smtp }, 'outlook')) {
      const fields = guide.steps.flatMap((step) => step.fields);
      expect(fields.filter((field) => field.value === t.askIt).length, guide.client).toBe(1);
      expect(fields.some((field) => field.value === 'imap.contoso.example')).toBe(false);
      expect(fields.some((field) => field.value === 'smtp.contoso.example')).toBe(true);
    }
  });
});

describe('MAIL_IMAP_SERVER and MAIL_SMTP_SERVER settings', () => {
  const minimal = {
    TASKHUB_NAME: 'EnrollmentHub',
    APP_TABLES: 'https://appstore.table.core.windows.net',
    KEYVAULT_URL: 'https://my-vault.vault.azure.net',
    SENDGRID_API_KEY: 'SG.key',
    MAIL_FROM: 'onboarding@contoso.com',
    PUBLIC_BASE_URL: 'https://enroll.contoso.com',
  };

  it('are optional', () => {
    const config = loadConfig(minimal);
    expect('MAIL_IMAP_SERVER' in config).toBe(false);
    expect('MAIL_SMTP_SERVER' in config).toBe(false);
    expect(loadConfig({ ...minimal, MAIL_IMAP_SERVER: '', MAIL_SMTP_SERVER: '' })).toEqual(config);
  });

  it('read host:port', () => {
    const config = loadConfig({
      ...minimal,
      MAIL_IMAP_SERVER: 'imap.contoso.com:993',
      MAIL_SMTP_SERVER: 'smtp.contoso.com:587',
    });
    expect(config.MAIL_IMAP_SERVER).toEqual({ host: 'imap.contoso.com', port: 993 });
    expect(config.MAIL_SMTP_SERVER).toEqual({ host: 'smtp.contoso.com', port: 587 });
  });

  it('name the setting and the expected form when malformed', () => {
    let error: unknown;
    try {
      loadConfig({ ...minimal, MAIL_IMAP_SERVER: 'imap.contoso.com', MAIL_SMTP_SERVER: 'smtp.contoso.com:70000' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      "MAIL_IMAP_SERVER: expected host:port of the IMAP (incoming mail) server employees' mail apps use, such as imap.contoso.com:993",
      "MAIL_SMTP_SERVER: expected host:port of the SMTP (outgoing mail) server employees' mail apps use, such as smtp.contoso.com:587",
    ]);
  });
});
