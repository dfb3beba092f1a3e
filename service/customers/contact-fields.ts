// The checks on a customer contact's fields, shared by the REST API and the CSV import so that
// both refuse the same input with the same words, each naming its field.

import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { isLanguage, type Language } from '../../core/i18n/index.ts';
import { CUSTOMER_CHANNELS, ServiceError, type CustomerChannel, type QuietHours } from '../types.ts';

/** A field that failed its check: a 400 whose message starts with the API's name for the field. */
export class ContactFieldError extends ServiceError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(400, 'Bad Request', `${field}: ${message}`);
    this.field = field;
  }
}

/**
 * A phone number as E.164 (+6281234567890). Numbers written the Indonesian way (0812 3456 7890)
 * are read as Indonesian: the customers are, and people write their own number so. The full
 * metadata ('max') is used because it also knows whether a number is a mobile one: WhatsApp and
 * SMS reach only those, and a landline as a WhatsApp contact would fail at every notice.
 */
export function parsePhone(raw: string, field = 'phone'): { e164: string; mobile: boolean } {
  const phone = parsePhoneNumberFromString(raw.trim(), 'ID');
  if (!phone?.isValid()) {
    throw new ContactFieldError(
      field,
      `'${raw}' is not a valid phone number (write it with its country code, e.g. +62 812 3456 7890)`,
    );
  }
  const type = phone.getType();
  // Some countries (the US) cannot tell mobile from fixed by the number: give those the benefit of the doubt.
  return { e164: phone.number, mobile: type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' };
}

// RFC 5321/5322 as mail servers actually accept it: a dot-atom local part (no quoted strings,
// no comments), a domain of LDH labels with a top-level label of letters (or an IDN's xn--).
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LABEL = /^([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

/**
 * A strict e-mail address check: what the SMTP server will take for RCPT TO. The domain is
 * lower-cased (case-insensitive by DNS); the local part is kept as written (RFC 5321 lets the
 * receiving server treat it case-sensitively).
 */
export function parseEmail(raw: string, field = 'email'): string {
  const value = raw.trim();
  const bad = (why: string) => new ContactFieldError(field, `'${raw}' is not a valid e-mail address (${why})`);
  if (value.length > 254) throw bad('longer than 254 characters');
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) throw bad('it needs one @ between a name and a domain');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  if (local.length > 64) throw bad('the part before @ is longer than 64 characters');
  if (!LOCAL_PART.test(local)) throw bad('the part before @ has a character or a dot where none may be');
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !TOP_LABEL.test(labels[labels.length - 1])) {
    throw bad('the domain must be a host name such as example.co.id');
  }
  return `${local}@${domain}`;
}

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** 'HH:MM' (00:00–23:59) as minutes after midnight. */
export function parseTimeOfDay(raw: string, field: string): number {
  const m = HHMM.exec(raw.trim());
  if (!m) throw new ContactFieldError(field, `'${raw}' is not a time of day HH:MM (00:00 to 23:59)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export const minutesToHhmm = (min: number) =>
  `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

/** What a caller may give for a contact (the API body, a CSV row). */
export interface ContactInput {
  customerId: string;
  siteId?: string | null;
  name: string;
  role?: string | null;
  phone?: string | null;
  email?: string | null;
  preferredChannel?: CustomerChannel;
  language?: string;
  quietHours?: { from: string; to: string } | null;
  receivesNotices?: boolean;
}

/** A contact's fields once checked: E.164 phone, strict e-mail, quiet hours in minutes. */
export interface CheckedContact {
  customerId: string;
  siteId: string | null;
  name: string;
  role: string | null;
  phone: string | null;
  email: string | null;
  preferredChannel: CustomerChannel;
  language: Language;
  quietFromMin: number | null;
  quietToMin: number | null;
  receivesNotices: boolean;
}

/**
 * Checks every field of a contact and the rules between them: a phone or an e-mail address at
 * least; the preferred channel's address present (a mobile number for WhatsApp and SMS); quiet
 * hours with both ends, not the whole day. Language defaults to Indonesian, the customers'.
 * Throws ContactFieldError naming the first bad field.
 */
export function checkContact(input: ContactInput): CheckedContact {
  const name = input.name.trim();
  if (!name) throw new ContactFieldError('name', 'is required');
  const phone = input.phone ? parsePhone(input.phone) : null;
  const email = input.email ? parseEmail(input.email) : null;
  if (!phone && !email) throw new ContactFieldError('phone', 'a contact needs a phone number or an e-mail address');
  const channel = input.preferredChannel ?? (email ? 'email' : 'whatsapp');
  if (!CUSTOMER_CHANNELS.includes(channel))
    throw new ContactFieldError('preferredChannel', `must be one of ${CUSTOMER_CHANNELS.join(', ')}, got '${channel}'`);
  if (channel === 'email' && !email)
    throw new ContactFieldError('email', 'is required when the preferred channel is email');
  if (channel !== 'email') {
    if (!phone) throw new ContactFieldError('phone', `is required when the preferred channel is ${channel}`);
    if (!phone.mobile)
      throw new ContactFieldError(
        'phone',
        `${phone.e164} is not a mobile number: ${channel === 'whatsapp' ? 'WhatsApp' : 'SMS'} reaches mobile numbers only`,
      );
  }
  const language = input.language ?? 'id';
  if (!isLanguage(language)) throw new ContactFieldError('language', `must be id or en, got '${language}'`);
  let quietFromMin: number | null = null;
  let quietToMin: number | null = null;
  if (input.quietHours) {
    quietFromMin = parseTimeOfDay(input.quietHours.from, 'quietHours.from');
    quietToMin = parseTimeOfDay(input.quietHours.to, 'quietHours.to');
    if (quietFromMin === quietToMin)
      throw new ContactFieldError(
        'quietHours',
        'from and to are the same time: quiet hours must leave part of the day to send in',
      );
  }
  return {
    customerId: input.customerId,
    siteId: input.siteId || null,
    name,
    role: input.role?.trim() || null,
    phone: phone?.e164 ?? null,
    email,
    preferredChannel: channel,
    language,
    quietFromMin,
    quietToMin,
    receivesNotices: input.receivesNotices ?? true,
  };
}

/** Quiet hours as the API shows them. */
export function quietHoursOf(fromMin: number | null, toMin: number | null): QuietHours | null {
  return fromMin === null || toMin === null ? null : { from: minutesToHhmm(fromMin), to: minutesToHhmm(toMin) };
}
