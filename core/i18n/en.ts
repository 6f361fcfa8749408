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
};
