import type { HttpRequest } from '@azure/functions';
import type { Locale } from '../../../core/ports.js';
import type { PageFrame } from '../../../pages/employeePages.js';
import type { Link } from './link.js';

export interface Frames {
  /**
   * The page's language: one the visitor picked (?lang= on a GET, the form's lang field on a POST), else the
   * enrollment's. The switch links to `path`, the GET page, also from the answer to a POST.
   */
  frameFor(request: HttpRequest, locale: Locale, path?: string, picked?: string | null): PageFrame;
  /** The same link seen through a language picked in a form. */
  withPickedLanguage<L extends Link>(request: HttpRequest, link: L, picked: string | null): L;
}

export function createFrames(timeZone: string): Frames {
  function frameFor(request: HttpRequest, locale: Locale, path?: string, picked?: string | null): PageFrame {
    const requested = picked ?? request.query.get('lang');
    const chosen = requested === 'da' || requested === 'en' ? requested : undefined;
    const shown: Locale = chosen ?? locale;
    // Every route is /e/{token}… or /r/{token}…: the first two segments are the link's GET page.
    const page = path ?? new URL(request.url).pathname.split('/').slice(0, 3).join('/');
    return {
      locale: shown,
      timeZone,
      otherLanguageHref: `${page}?lang=${shown === 'da' ? 'en' : 'da'}`,
      languageChosen: chosen !== undefined,
    };
  }

  return {
    frameFor,
    withPickedLanguage(request, link, picked) {
      const frame = frameFor(request, link.locale, link.basePath, picked);
      return { ...link, frame, home: frame.languageChosen ? `${link.basePath}?lang=${frame.locale}` : link.basePath };
    },
  };
}
