import { acceptedLanguages, CUSTOMER_DEFAULT_LANGUAGE, pickLanguage, type Language } from '../../core/i18n/index.ts';

/**
 * The language to speak to a customer on a page or in a notice: the one they picked on the page
 * (`?lang=`), else their contact record's, else their browser's (Accept-Language), else
 * Indonesian. Anything Purna does not speak is passed over, never refused.
 */
export function customerLanguage(input: {
  requested?: string | null;
  contact?: Language | null;
  acceptLanguage?: string;
}): Language {
  return pickLanguage(
    [input.requested, input.contact, ...acceptedLanguages(input.acceptLanguage)],
    CUSTOMER_DEFAULT_LANGUAGE,
  );
}
