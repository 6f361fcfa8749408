import type { Catalogue } from './catalogue.js';

export const da: Catalogue = {
  mail: {
    greeting: (name) => `Hej ${name}`,
    signature: 'IT-onboarding',
    linkExpires: (when) => `Linket virker indtil ${when}.`,
    ignoreIfUnexpected:
      'Hvis du ikke ventede denne e-mail, kan du se bort fra den. IT spørger dig aldrig om din adgangskode.',
    invitation: {
      subject: 'Opsæt dit arbejdslogin',
      intro:
        'Velkommen! Før du kan bruge mail på din telefon, computer eller printer, skal du opsætte totrinsbekræftelse ' +
        'og bekræfte en kontaktadresse. Det tager cirka fem minutter.',
      action: 'Start opsætningen',
    },
    reminder: {
      subject: 'Påmindelse: gør opsætningen af dit arbejdslogin færdig',
      intro: 'Du er ikke færdig med at opsætte totrinsbekræftelse endnu. Fortsæt, hvor du slap:',
      action: 'Fortsæt opsætningen',
    },
    ready: {
      subject: 'Din app-adgangskode er klar',
      intro:
        'Din app-adgangskode er klar. Den vises kun én gang: åbn linket, når du sidder ved den enhed, du vil ' +
        'opsætte.',
      action: 'Vis min app-adgangskode',
    },
    expired: {
      subject: 'Dit opsætningslink er udløbet',
      intro: 'Opsætningslinket, vi sendte dig, er udløbet. Kontakt din leder eller IT for at få et nyt.',
    },
    contactCode: {
      subject: 'Din bekræftelseskode',
      intro: 'Brug denne kode til at bekræfte din kontaktadresse:',
      codeLabel: 'Kode',
      validFor: (minutes) => `Koden virker i ${minutes} minutter.`,
    },
  },
};
