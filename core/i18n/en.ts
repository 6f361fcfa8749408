import type { Catalogue } from './catalogue.js';

export const en: Catalogue = {
  mail: {
    greeting: (name) => `Hi ${name},`,
    signature: 'IT onboarding',
    linkExpires: (when) => `The link works until ${when}.`,
    ignoreIfUnexpected:
      'If you did not expect this e-mail, you can ignore it. Nobody from IT will ask for your password.',
    invitation: {
      subject: 'Set up your work sign-in',
      intro:
        'Welcome! Before you can use mail on your phone, laptop or printer, set up two-step sign-in and confirm a ' +
        'contact address. It takes about five minutes.',
      action: 'Start set-up',
    },
    reminder: {
      subject: 'Reminder: finish setting up your work sign-in',
      intro: 'You have not finished setting up two-step sign-in yet. Pick up where you left off:',
      action: 'Continue set-up',
    },
    ready: {
      subject: 'Your app password is ready',
      intro:
        'Your app password is ready. It is shown only once: open the link when you are at the device you want to ' +
        'set up.',
      action: 'Show my app password',
    },
    expired: {
      subject: 'Your set-up link has expired',
      intro: 'The set-up link we sent you has expired. Contact your manager or IT to get a new one.',
    },
    contactCode: {
      subject: 'Your verification code',
      intro: 'Use this code to confirm your contact address:',
      codeLabel: 'Code',
      validFor: (minutes) => `The code works for ${minutes} minutes.`,
    },
  },
  sms: {
    code: (code, minutes) => `Your verification code is ${code}. It works for ${minutes} minutes.`,
    ready: (link, until) => `Your new app password is ready. Open ${link} by ${until} to see it once.`,
  },
  pages: {
    siteName: 'Work sign-in set-up',
    switchLanguage: 'Dansk',
    footer: 'Questions? Contact your IT support. Nobody from IT will ever ask you for your password or a code.',
    enrollTitle: 'Set up your work sign-in',
    enrollIntro: (name) => `Hi ${name}. Three short steps, and your mail apps and devices are ready.`,
    enrollDeadline: (when) => `Finish the steps by ${when}.`,
    stepDone: 'Done',
    stepPending: 'To do',
    opensInNewTab: '(opens in a new tab)',
    mfa: {
      title: '1. Set up two-step sign-in',
      help: 'Add the Microsoft Authenticator app or a phone number to your work account. Then come back here.',
      openSetup: 'Open the set-up page',
      confirm: 'I have set it up',
      notYet: 'We cannot see two-step sign-in on your account yet. Finish the set-up page, then try again.',
    },
    contact: {
      title: '2. Confirm your contact details',
      help: 'We send a 6-digit code to the contact HR registered for you.',
      sendByEmail: (maskedAddress) => `Send a code to ${maskedAddress}`,
      sendBySms: (maskedNumber) => `Text a code to ${maskedNumber}`,
      codeSent: (minutes) => `We have sent you a code. It works for ${minutes} minutes.`,
      codeLabel: '6-digit code',
      verify: 'Confirm',
      wrongCode: (attemptsLeft) =>
        `That code is not right. You have ${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left.`,
      codeExpired: 'That code has expired or was never sent. Send a new one.',
      tooManyAttempts: 'Too many wrong codes. Send a new code to try again.',
      tooManyCodes: (minutes) =>
        `You have asked for several codes in a short time. Wait ${minutes} minutes and try again.`,
      sendFailed: 'We could not send a code to this contact. Contact IT to check your contact details.',
    },
    password: {
      title: '3. Get your app password',
      afterSteps: 'Ready when steps 1 and 2 are done.',
      waiting: 'We are creating your app password. It usually takes less than a minute.',
      autoRefresh: (seconds) => `This page checks again every ${seconds} seconds.`,
      checkNow: 'Check now',
      stopRefresh: 'Stop checking automatically',
      readyHelp:
        'Your app password is ready. It is shown only once, so open it when you are at the device you want to set up.',
      revealDeadline: (when) => `You can show it until ${when}.`,
      reveal: 'Show my app password',
      proveIt: 'To show the password, confirm it is you with a code sent to your confirmed contact.',
      sendRevealCode: 'Send me a code',
      heading: 'Your app password',
      shownOnce: 'This is the only time it is shown. Paste it into your mail app or device now.',
      userNameLabel: 'User name',
      passwordLabel: 'App password',
      noNeedToRemember: 'You do not need to remember it or write it down: your mail app keeps it.',
      copy: 'Copy password',
      copied: 'Password copied',
    },
    guides: {
      heading: 'Set up your mail app',
      intro: 'Follow the guide for your app. You need your user name and the app password.',
      suggested: 'for this device',
      copyFirst:
        'Copy the app password with the Copy password button above. Keep this page open until your mail works: ' +
        'the password is not shown again.',
      pasteAppPassword: 'paste the app password',
      askIt: 'ask IT for the server name',
      fields: {
        emailAddress: 'Email address',
        userName: 'User name',
        password: 'Password',
        accountType: 'Account type',
        server: 'Server',
        hostName: 'Host name',
        incomingServer: 'Incoming mail server',
        outgoingServer: 'Outgoing mail server',
        port: 'Port',
        encryption: 'Encryption',
      },
      outlook: {
        title: 'Outlook for Windows',
        open:
          'Open Outlook and choose File > Add account. In the new Outlook, choose Settings > Accounts > ' +
          'Email accounts > Add account.',
        address: 'Enter your user name as the email address:',
        manual:
          'Choose Advanced options, tick Let me set up my account manually and choose Connect. Then choose IMAP. ' +
          '(The new Outlook asks for the provider: choose IMAP.)',
        incoming: 'Under Incoming mail, enter:',
        outgoing: 'Under Outgoing mail, enter:',
        signIn: 'Where Outlook asks for a user name and password (the new Outlook asks for both IMAP and SMTP), enter:',
        done: 'Choose Connect, then Done. Your mail starts to arrive.',
      },
      appleMail: {
        title: 'Apple Mail on a Mac',
        open: 'Open Mail and choose Mail > Add Account in the menu bar.',
        other: 'Choose Other Mail Account, then Continue.',
        account: 'Enter your name and these details, then choose Sign In:',
        servers: 'Mail asks for more details. Enter these, then choose Sign In:',
        done: 'Keep Mail ticked and choose Done.',
      },
      iosMail: {
        title: 'Mail on iPhone or iPad',
        open:
          'Open Settings and go to Apps > Mail > Mail Accounts > Add Account. (On iOS 17 or earlier: Settings > ' +
          'Mail > Accounts > Add Account.)',
        other: 'Tap Other, then Add Mail Account.',
        account: 'Enter your name and these details, then tap Next:',
        incoming: 'Tap IMAP. Under Incoming Mail Server, enter:',
        outgoing: 'Under Outgoing Mail Server, enter:',
        done: 'Tap Next, keep Mail switched on and tap Save.',
      },
      generic: {
        title: 'Another mail app (IMAP and SMTP)',
        open: 'In your mail app, add an account and choose manual set-up, or IMAP if it asks for the account type.',
        account: 'Sign in with:',
        incoming: 'Incoming mail (IMAP):',
        outgoing: 'Outgoing mail (SMTP), which needs the same user name and app password:',
        done: 'Save the account. The app checks the settings and fetches your mail.',
      },
    },
    messages: {
      alreadyShownTitle: 'Already shown',
      alreadyShown: 'This app password has already been shown, and it is shown only once. Ask IT for a new one.',
      expiredTitle: 'This link has expired',
      expired: 'The link is no longer valid. Contact your manager or IT to get a new one.',
      cancelledTitle: 'Set-up cancelled',
      cancelled: 'This set-up was cancelled. If that is a surprise, contact IT.',
      failedTitle: 'Something went wrong',
      failed: 'We could not finish your set-up. IT has been told; you will hear from them.',
      invalidTitle: 'This link does not work',
      invalid: 'Check that you opened the whole link from the e-mail. Links can be used only for your own set-up.',
      forbiddenTitle: 'Not allowed',
      forbidden: 'This request could not be confirmed. Go back to the page and try again.',
      tooManyRequestsTitle: 'Too many attempts',
      tooManyRequests:
        'There were too many attempts from your connection. Wait 15 minutes, then open the link from the e-mail again.',
      errorTitle: 'Something went wrong on our side',
      error: 'Please try again in a minute.',
    },
  },
};
