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
  pages: {
    siteName: 'Opsætning af arbejdslogin',
    switchLanguage: 'English',
    enrollTitle: 'Opsæt dit arbejdslogin',
    enrollIntro: (name) => `Hej ${name}. Tre korte trin, så er dine mailprogrammer og enheder klar.`,
    stepDone: 'Færdig',
    stepPending: 'Mangler',
    mfa: {
      title: '1. Opsæt totrinsbekræftelse',
      help: 'Tilføj Microsoft Authenticator-appen eller et telefonnummer til din arbejdskonto. Kom derefter tilbage hertil.',
      openSetup: 'Åbn opsætningssiden',
      confirm: 'Jeg har sat det op',
      notYet: 'Vi kan endnu ikke se totrinsbekræftelse på din konto. Gør opsætningen færdig, og prøv igen.',
    },
    contact: {
      title: '2. Bekræft dine kontaktoplysninger',
      help: 'Vi sender en 6-cifret kode til den kontakt, HR har registreret for dig.',
      sendByEmail: (maskedAddress) => `Send en kode til ${maskedAddress}`,
      sendBySms: (maskedNumber) => `Send en kode på sms til ${maskedNumber}`,
      codeSent: 'Vi har sendt dig en kode. Den virker i 10 minutter.',
      codeLabel: '6-cifret kode',
      verify: 'Bekræft',
      wrongCode: (attemptsLeft) => `Koden er forkert. Du har ${attemptsLeft} forsøg tilbage.`,
      codeExpired: 'Koden er udløbet eller blev aldrig sendt. Send en ny.',
      tooManyAttempts: 'For mange forkerte koder. Send en ny kode for at prøve igen.',
      tooManyCodes: 'Du har bedt om flere koder på kort tid. Vent 15 minutter, og prøv igen.',
      smsText: (code) => `Din bekræftelseskode er ${code}. Den virker i 10 minutter.`,
    },
    password: {
      title: '3. Hent din app-adgangskode',
      waiting: 'Vi opretter din app-adgangskode. Siden opdaterer sig selv.',
      readyHelp: 'Din app-adgangskode er klar. Åbn den, når du sidder ved den enhed, du vil opsætte.',
      reveal: 'Vis min app-adgangskode',
      proveIt:
        'For at vise adgangskoden skal du bekræfte, at det er dig, med en kode sendt til din bekræftede kontakt.',
      sendRevealCode: 'Send mig en kode',
      heading: 'Din app-adgangskode',
      shownOnce: 'Den vises kun denne ene gang. Indsæt den i dit mailprogram eller din enhed nu.',
      noNeedToRemember: 'Du behøver ikke at huske den eller skrive den ned.',
      copy: 'Kopiér',
      copied: 'Kopieret',
      userNameLabel: 'Brugernavn',
    },
    messages: {
      alreadyShownTitle: 'Allerede vist',
      alreadyShown: 'Denne app-adgangskode er allerede blevet vist, og den vises kun én gang. Bed IT om en ny.',
      expiredTitle: 'Linket er udløbet',
      expired: 'Linket virker ikke længere. Kontakt din leder eller IT for at få et nyt.',
      cancelledTitle: 'Opsætningen er annulleret',
      cancelled: 'Denne opsætning er blevet annulleret. Kontakt IT, hvis det kommer bag på dig.',
      failedTitle: 'Noget gik galt',
      failed: 'Vi kunne ikke gøre din opsætning færdig. IT har fået besked og kontakter dig.',
      invalidTitle: 'Linket virker ikke',
      invalid: 'Tjek, at du har åbnet hele linket fra e-mailen. Et link kan kun bruges til din egen opsætning.',
      forbiddenTitle: 'Ikke tilladt',
      forbidden: 'Anmodningen kunne ikke bekræftes. Gå tilbage til siden, og prøv igen.',
      errorTitle: 'Der gik noget galt hos os',
      error: 'Prøv igen om et øjeblik.',
    },
  },
};
