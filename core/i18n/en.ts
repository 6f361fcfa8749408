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
  pages: {
    siteName: 'Work sign-in set-up',
    switchLanguage: 'Dansk',
    enrollTitle: 'Set up your work sign-in',
    enrollIntro: (name) => `Hi ${name}. Three short steps, and your mail apps and devices are ready.`,
    stepDone: 'Done',
    stepPending: 'To do',
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
      codeSent: 'We have sent you a code. It works for 10 minutes.',
      codeLabel: '6-digit code',
      verify: 'Confirm',
      wrongCode: (attemptsLeft) =>
        `That code is not right. You have ${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left.`,
      codeExpired: 'That code has expired or was never sent. Send a new one.',
      tooManyAttempts: 'Too many wrong codes. Send a new code to try again.',
      tooManyCodes: 'You have asked for several codes in a short time. Wait 15 minutes and try again.',
      smsText: (code) => `Your verification code is ${code}. It works for 10 minutes.`,
    },
    password: {
      title: '3. Get your app password',
      waiting: 'We are creating your app password. This page updates by itself.',
      readyHelp: 'Your app password is ready. Open it when you are at the device you want to set up.',
      reveal: 'Show my app password',
      proveIt: 'To show the password, confirm it is you with a code sent to your confirmed contact.',
      sendRevealCode: 'Send me a code',
      heading: 'Your app password',
      shownOnce: 'This is the only time it is shown. Paste it into your mail app or device now.',
      noNeedToRemember: 'You do not need to remember it or write it down.',
      copy: 'Copy',
      copied: 'Copied',
      userNameLabel: 'User name',
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
      errorTitle: 'Something went wrong on our side',
      error: 'Please try again in a minute.',
    },
  },
};
