/*
 * The employee pages, one file each, behind one import for the handlers: the layout every page shares
 * (`frame.ts`, over `document.ts`), the enrollment page (`enrollmentPage.ts`), the reveal link's landing page
 * (`revealLandingPage.ts`, with the reveal form of `revealForm.ts`), the one view of the password
 * (`passwordPage.ts`) and the pages that only say something (`messagePage.ts`).
 */
export { enrollmentPage, type EnrollmentView } from './enrollmentPage.js';
export type { PageFrame, RenderedPage } from './frame.js';
export { messagePage, type MessageKind } from './messagePage.js';
export type { Notice } from './notices.js';
export { passwordPage, type PasswordView } from './passwordPage.js';
export { revealLandingPage, type RevealView } from './revealLandingPage.js';
