import { describe, expect, it } from 'vitest';
import { createFrames } from '../../../functions/handlers/employee/frames.js';
import { linkFor, pageRequest } from './harness.js';

const frames = createFrames('Europe/Copenhagen');

describe('page frames', () => {
  it('speak the enrollment’s language until the visitor picks the other one', () => {
    expect(frames.frameFor(pageRequest('/e/abc'), 'da')).toEqual({
      locale: 'da',
      timeZone: 'Europe/Copenhagen',
      otherLanguageHref: '/e/abc?lang=en',
      languageChosen: false,
    });
    expect(frames.frameFor(pageRequest('/e/abc?lang=en'), 'da')).toMatchObject({ locale: 'en', languageChosen: true });
  });

  it('ignore a language they do not speak', () => {
    expect(frames.frameFor(pageRequest('/e/abc?lang=de'), 'da')).toMatchObject({ locale: 'da', languageChosen: false });
  });

  it('switch language on the link’s GET page, also from a POST route', () => {
    expect(frames.frameFor(pageRequest('/r/abc/reveal'), 'en').otherLanguageHref).toBe('/r/abc?lang=da');
  });

  it('take a language picked in a form over the query, and keep it in where the post redirects to', () => {
    const link = linkFor('enr-1');
    const picked = frames.withPickedLanguage(pageRequest(`${link.basePath}/mfa?lang=en`), link, 'da');
    expect(picked.frame).toMatchObject({ locale: 'da', languageChosen: true });
    expect(picked.home).toBe(`${link.basePath}?lang=da`);
    expect(frames.withPickedLanguage(pageRequest(`${link.basePath}/mfa`), link, null).home).toBe(link.basePath);
  });
});
