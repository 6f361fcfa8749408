/** The fewest settings a deployment in Azure (no local emulators) starts with: for tests that load a real config. */
export const minimalAzureSettings = {
  TASKHUB_NAME: 'EnrollmentHub',
  APP_TABLES: 'https://appstore.table.core.windows.net',
  KEYVAULT_URL: 'https://my-vault.vault.azure.net',
  SENDGRID_API_KEY: 'SG.test',
  MAIL_FROM: 'onboarding@contoso.com',
  PUBLIC_BASE_URL: 'https://enroll.contoso.com',
} as const;
