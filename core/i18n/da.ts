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
  sms: {
    code: (code, minutes) => `Din bekræftelseskode er ${code}. Den virker i ${minutes} minutter.`,
    ready: (link, until) => `Din nye app-adgangskode er klar. Åbn ${link} senest ${until} for at se den én gang.`,
  },
  pages: {
    siteName: 'Opsætning af arbejdslogin',
    switchLanguage: 'English',
    footer: 'Spørgsmål? Kontakt din IT-support. IT beder dig aldrig om din adgangskode eller en kode.',
    enrollTitle: 'Opsæt dit arbejdslogin',
    enrollIntro: (name) => `Hej ${name}. Tre korte trin, så er dine mailprogrammer og enheder klar.`,
    enrollDeadline: (when) => `Gør trinnene færdige senest ${when}.`,
    stepDone: 'Færdig',
    stepPending: 'Mangler',
    opensInNewTab: '(åbner i en ny fane)',
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
      codeSent: (minutes) => `Vi har sendt dig en kode. Den virker i ${minutes} minutter.`,
      codeLabel: '6-cifret kode',
      verify: 'Bekræft',
      wrongCode: (attemptsLeft) => `Koden er forkert. Du har ${attemptsLeft} forsøg tilbage.`,
      codeExpired: 'Koden er udløbet eller blev aldrig sendt. Send en ny.',
      tooManyAttempts: 'For mange forkerte koder. Send en ny kode for at prøve igen.',
      tooManyCodes: (minutes) => `Du har bedt om flere koder på kort tid. Vent ${minutes} minutter, og prøv igen.`,
      sendFailed:
        'Vi kunne ikke sende en kode til denne kontakt. Kontakt IT, så de kan tjekke dine kontaktoplysninger.',
    },
    password: {
      title: '3. Hent din app-adgangskode',
      afterSteps: 'Klar, når trin 1 og 2 er færdige.',
      waiting: 'Vi opretter din app-adgangskode. Det tager normalt under et minut.',
      autoRefresh: (seconds) => `Siden tjekker igen hvert ${seconds}. sekund.`,
      checkNow: 'Tjek nu',
      stopRefresh: 'Stop den automatiske opdatering',
      readyHelp:
        'Din app-adgangskode er klar. Den vises kun én gang, så åbn den, når du sidder ved den enhed, du vil opsætte.',
      revealDeadline: (when) => `Du kan få den vist indtil ${when}.`,
      reveal: 'Vis min app-adgangskode',
      proveIt:
        'For at vise adgangskoden skal du bekræfte, at det er dig, med en kode sendt til din bekræftede kontakt.',
      sendRevealCode: 'Send mig en kode',
      heading: 'Din app-adgangskode',
      shownOnce: 'Den vises kun denne ene gang. Indsæt den i dit mailprogram eller din enhed nu.',
      userNameLabel: 'Brugernavn',
      passwordLabel: 'App-adgangskode',
      noNeedToRemember: 'Du behøver ikke at huske den eller skrive den ned: dit mailprogram gemmer den.',
      copy: 'Kopiér adgangskode',
      copied: 'Adgangskoden er kopieret',
    },
    guides: {
      heading: 'Opsæt dit mailprogram',
      intro: 'Følg vejledningen til dit program. Du skal bruge dit brugernavn og app-adgangskoden.',
      suggested: 'til denne enhed',
      copyFirst:
        'Kopiér app-adgangskoden med knappen Kopiér adgangskode ovenfor. Lad siden være åben, til din mail virker: ' +
        'adgangskoden bliver ikke vist igen.',
      pasteAppPassword: 'indsæt app-adgangskoden',
      askIt: 'spørg IT om servernavnet',
      fields: {
        emailAddress: 'E-mailadresse',
        userName: 'Brugernavn',
        password: 'Adgangskode',
        accountType: 'Kontotype',
        server: 'Server',
        hostName: 'Værtsnavn',
        incomingServer: 'Indgående mailserver',
        outgoingServer: 'Udgående mailserver',
        port: 'Port',
        encryption: 'Kryptering',
      },
      outlook: {
        title: 'Outlook til Windows',
        open:
          'Åbn Outlook, og vælg Filer > Tilføj konto. I den nye Outlook vælger du Indstillinger > Konti > ' +
          'Mailkonti > Tilføj konto.',
        address: 'Skriv dit brugernavn som mailadresse:',
        manual:
          'Vælg Avancerede indstillinger, sæt flueben ved Lad mig konfigurere min konto manuelt, og vælg Opret ' +
          'forbindelse. Vælg derefter IMAP. (Den nye Outlook spørger om udbyder: vælg IMAP.)',
        incoming: 'Under Indgående mail skriver du:',
        outgoing: 'Under Udgående mail skriver du:',
        signIn:
          'Hvor Outlook beder om brugernavn og adgangskode (den nye Outlook spørger til både IMAP og SMTP), skriver du:',
        done: 'Vælg Opret forbindelse og derefter Udført. Din mail begynder at komme ind.',
      },
      appleMail: {
        title: 'Apple Mail på Mac',
        open: 'Åbn Mail, og vælg Mail > Tilføj konto i menulinjen.',
        other: 'Vælg Anden mailkonto og derefter Fortsæt.',
        account: 'Skriv dit navn og disse oplysninger, og vælg Log ind:',
        servers: 'Mail beder om flere oplysninger. Skriv disse, og vælg Log ind:',
        done: 'Lad Mail være markeret, og vælg Udført.',
      },
      iosMail: {
        title: 'Mail på iPhone eller iPad',
        open:
          'Åbn Indstillinger, og gå til Apps > Mail > Mailkonti > Tilføj konto. (På iOS 17 eller ældre: ' +
          'Indstillinger > Mail > Konti > Tilføj konto.)',
        other: 'Tryk på Andet og derefter Tilføj mailkonto.',
        account: 'Skriv dit navn og disse oplysninger, og tryk på Næste:',
        incoming: 'Tryk på IMAP. Under Server til indgående post skriver du:',
        outgoing: 'Under Server til udgående post skriver du:',
        done: 'Tryk på Næste, lad Mail være slået til, og tryk på Gem.',
      },
      generic: {
        title: 'Et andet mailprogram (IMAP og SMTP)',
        open: 'Tilføj en konto i dit mailprogram, og vælg manuel opsætning, eller IMAP, hvis det spørger om kontotype.',
        account: 'Log ind med:',
        incoming: 'Indgående mail (IMAP):',
        outgoing: 'Udgående mail (SMTP), som kræver samme brugernavn og app-adgangskode:',
        done: 'Gem kontoen. Programmet tjekker indstillingerne og henter din mail.',
      },
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
      tooManyRequestsTitle: 'For mange forsøg',
      tooManyRequests:
        'Der har været for mange forsøg fra din forbindelse. Vent 15 minutter, og åbn så linket fra e-mailen igen.',
      errorTitle: 'Der gik noget galt hos os',
      error: 'Prøv igen om et øjeblik.',
    },
  },
};
