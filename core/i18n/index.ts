// Purna's languages: one ICU message catalogue per language (en.json, id.json), formatted by
// FormatJS' intl-messageformat, for the server (survey page, notices) and the browser alike.
// Dates, times and numbers go through Intl in the viewer's language (./format.ts).
import { IntlMessageFormat } from 'intl-messageformat';
import en from './en.json' with { type: 'json' };
import id from './id.json' with { type: 'json' };

/** The languages Purna speaks: Bahasa Indonesia first, the customers' default. */
export const LANGUAGES = ['id', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language a customer hears when nothing says which they want (the demo customers are Indonesian). */
export const CUSTOMER_DEFAULT_LANGUAGE: Language = 'id';
/** The language a dashboard user sees when neither they nor their browser chose one Purna speaks. */
export const STAFF_DEFAULT_LANGUAGE: Language = 'en';

/**
 * The locale each language formats in. English is en-GB: day before month and a 24-hour clock,
 * as Indonesian readers of English expect (en-US would write 12/3 for 3 December).
 */
export const LOCALES: Readonly<Record<Language, string>> = { id: 'id-ID', en: 'en-GB' };

/** Every message key (the English catalogue is the reference; a test keeps id.json equal to it). */
export type MessageKey = keyof typeof en;
export type MessageParams = Record<string, string | number>;

const CATALOGUES: Readonly<Record<Language, Readonly<Record<string, string>>>> = { en, id };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

// Parsing a message costs far more than formatting it: each (language, key) is parsed once.
const formats = new Map<string, IntlMessageFormat>();

/**
 * The message `key` in `lang`, its ICU placeholders, plurals and selects filled from `params`
 * (numbers and dates in that language's locale). A key missing from `lang`'s catalogue falls
 * back to English, then to the key itself (the catalogue test keeps both complete).
 */
export function t(lang: Language, key: MessageKey, params?: MessageParams): string {
  const cacheKey = `${lang}\u0000${key}`;
  let format = formats.get(cacheKey);
  if (!format) {
    const source = CATALOGUES[lang][key] ?? CATALOGUES.en[key];
    if (source === undefined) return key;
    format = new IntlMessageFormat(source, LOCALES[lang]);
    formats.set(cacheKey, format);
  }
  return String(format.format(params));
}

/** The raw catalogues, for the catalogue test and tools. */
export function catalogue(lang: Language): Readonly<Record<string, string>> {
  return CATALOGUES[lang];
}

/**
 * The first language Purna speaks among `preferences` (language tags in order of preference,
 * e.g. navigator.languages, or an Accept-Language header's), else `fallback`. `in` is the
 * withdrawn ISO 639 code for Indonesian that older Java and Android systems still send.
 */
export function pickLanguage(preferences: readonly (string | null | undefined)[], fallback: Language): Language {
  for (const tag of preferences) {
    if (!tag) continue;
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (primary === 'in') return 'id';
    if (isLanguage(primary)) return primary;
  }
  return fallback;
}

/**
 * The language tags of an Accept-Language header, most preferred first (RFC 9110 §12.5.4:
 * q-values, default 1; q=0 means "not this one"; equal weights keep the header's order).
 */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .slice(0, 32) // a browser sends a handful; a longer header is not worth sorting
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.tag && l.tag !== '*' && l.q > 0 && Number.isFinite(l.q))
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((l) => l.tag);
}
