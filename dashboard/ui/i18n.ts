// The dashboard's language: the signed-in user's choice (GET/PATCH /api/auth/me), else the
// browser's (navigator.languages), else English. Views call t() and the formatters below, which
// read the current language; changing it re-renders the current view.
import {
  hasMessage,
  pickLanguage,
  STAFF_DEFAULT_LANGUAGE,
  t as translate,
  type Language,
  type MessageKey,
  type MessageParams,
} from '../../core/i18n/index.ts';
import * as f from '../../core/i18n/format.ts';

export type { Language, MessageKey };

/** Remembered for the sign-in page, which runs before anyone's choice is known. */
const STORED = 'purna.language';

let current: Language = pickLanguage([localStorageGet(STORED), ...navigator.languages], STAFF_DEFAULT_LANGUAGE);

function localStorageGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled
  }
}

export function language(): Language {
  return current;
}

/** Switches the UI to `lang` (the user's own choice when `remember`); the caller re-renders. */
export function setLanguage(lang: Language | null, remember = false): void {
  current = lang ?? pickLanguage([...navigator.languages], STAFF_DEFAULT_LANGUAGE);
  document.documentElement.lang = current;
  if (remember && lang) {
    try {
      localStorage.setItem(STORED, lang);
    } catch {
      // storage disabled: the server keeps the choice for signed-in users anyway
    }
  }
  for (const e of document.querySelectorAll<HTMLElement>('[data-i18n]'))
    e.textContent = t(e.dataset.i18n as MessageKey);
  for (const e of document.querySelectorAll<HTMLElement>('[data-i18n-label]'))
    e.setAttribute('aria-label', t(e.dataset.i18nLabel as MessageKey));
  document.title = t('app.title');
}

export function t(key: MessageKey, params?: MessageParams): string {
  return translate(current, key, params);
}

/**
 * The label of one value of a closed set (a work-order state, a failure mode) from the family
 * `family.value`; a value this build has no message for (a newer server) shows as it is.
 */
export function labelOf(family: string, value: string | null | undefined): string {
  if (!value) return '';
  const key = `${family}.${value}`;
  return hasMessage(key) ? t(key) : value.replaceAll('_', ' ');
}

export const num = (v: number | null | undefined, digits = 0) => f.formatNumber(current, v, digits);
export const pct = (v: number | null | undefined, digits = 0) => f.formatPercent(current, v, digits);
export const dateTime = (ms: number | null | undefined, timeZone?: string | null) =>
  f.formatDateTime(current, ms, timeZone);
export const time = (ms: number | null | undefined, timeZone?: string | null) => f.formatTime(current, ms, timeZone);
export const shortTime = (ms: number | null | undefined, timeZone?: string | null) =>
  f.formatShortTime(current, ms, timeZone);
export const date = (ms: number | null | undefined, timeZone?: string | null) => f.formatDate(current, ms, timeZone);
export const day = (ms: number | null | undefined, timeZone?: string | null) => f.formatDay(current, ms, timeZone);
export const duration = (ms: number | null | undefined) => f.formatDuration(current, ms);
