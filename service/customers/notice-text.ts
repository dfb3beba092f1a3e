// The words of a notice to a customer's contact, in their language, every time in the site's
// zone: an e-mail (subject, text and HTML), one SMS-sized paragraph, and the parameters of the
// approved WhatsApp template. Pure: the facts come in, the message goes out.

import { isPlannedJob } from '../../core/job-types.ts';
import { formatDate, formatDuration, zoneName } from '../../core/i18n/format.ts';
import { LOCALES, t, type Language, type MessageKey } from '../../core/i18n/index.ts';
import type { OutgoingMessage } from '../notifications/channels.ts';
import { LINK_PLACEHOLDER, type NoticeKind } from '../notifications/notifier.ts';

/** Failure modes the catalogue has plain words for; others are named by the product catalogue. */
const PLAIN_MODES = new Set([
  'bearing_wear',
  'cooling_failure',
  'lubrication_loss',
  'sensor_fault',
  'unknown_anomaly',
  'customer_reported',
]);

export type DelayReason = 'at_risk' | 'respond' | 'resolve';

/** What a notice says, gathered by the notice planner (customers/notices.ts). */
export interface NoticeFacts {
  workOrderId: string;
  contactName: string;
  customerName: string;
  siteName: string;
  timeZone: string;
  modelName: string;
  serial: string;
  mode: string;
  /** The catalogue's name of the failure mode, for modes without plain words here. */
  modeName: string;
  /** The customer's own words, for a job they reported. */
  customerReport: string | null;
  /** Time until the forecast failure, ms; null when there is no forecast. */
  failureInMs: number | null;
  technicianFirstName: string | null;
  /** When the technician is expected, as a window; null when it cannot be said yet. */
  arrival: { fromMs: number; toMs: number } | null;
  /** The job's parts as the catalogue names them (no Indonesian names there: as given), each with its quantity; `name` the first. */
  part: {
    name: string;
    items?: { name: string; quantity: number }[];
    status: 'reserved' | 'backorder' | 'consumed' | 'none';
  };
  warrantyCovered: boolean;
  contractTier: string;
  resolutionCode: string | null;
  delayReason: DelayReason | null;
  /** The SLA deadline a delay notice is about. */
  deadlineMs: number | null;
}

const dateParts = new Map<string, Intl.DateTimeFormat>();
function formatterOf(lang: Language, timeZone: string, kind: 'day' | 'time'): Intl.DateTimeFormat {
  const key = `${lang}|${timeZone}|${kind}`;
  let f = dateParts.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      LOCALES[lang],
      kind === 'day'
        ? { weekday: 'long', day: 'numeric', month: 'long', timeZone }
        : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone },
    );
    dateParts.set(key, f);
  }
  return f;
}

/**
 * "Selasa, 24 November, 10.00–12.00 WIB": a window on the site's clock with its zone's name
 * (WIB/WITA/WIT for Indonesia). A window over midnight names both days.
 */
export function formatWindow(lang: Language, fromMs: number, toMs: number, timeZone: string): string {
  const day = formatterOf(lang, timeZone, 'day');
  const time = formatterOf(lang, timeZone, 'time');
  const zone = zoneName(lang, fromMs, timeZone);
  const fromDay = day.format(fromMs);
  const toDay = day.format(toMs);
  return fromDay === toDay
    ? `${fromDay}, ${time.format(fromMs)}–${time.format(toMs)} ${zone}`
    : `${fromDay}, ${time.format(fromMs)} – ${toDay}, ${time.format(toMs)} ${zone}`;
}

/** The failure in plain words: what is wrong with the machine, and by when it would break. */
function finding(lang: Language, f: NoticeFacts): string {
  const when = f.failureInMs !== null && f.failureInMs > 0 ? formatDuration(lang, f.failureInMs) : 'none';
  const model = f.modelName;
  if (f.mode === 'customer_reported')
    return t(lang, 'notice.finding.customer_reported', { model, report: f.customerReport ?? '' });
  if (!PLAIN_MODES.has(f.mode)) return t(lang, 'notice.finding.other', { model, mode: f.modeName, when });
  return t(lang, `notice.finding.${f.mode}` as MessageKey, { model, when });
}

/**
 * Every part of the job, in the customer's language's list ("Seal kit B40 dan 2 × O-ring set
 * B40"): each name as the catalogue gives it, the words around it translated.
 */
export function partNames(lang: Language, f: Pick<NoticeFacts, 'part'>): string {
  const items = f.part.items ?? [];
  if (!items.length) return f.part.name;
  return new Intl.ListFormat(LOCALES[lang], { type: 'conjunction' }).format(
    items.map((p) => (p.quantity > 1 ? `${p.quantity} × ${p.name}` : p.name)),
  );
}

function partSentence(lang: Language, f: NoticeFacts): string {
  return t(lang, `notice.part.${f.part.status}` as MessageKey, {
    part: partNames(lang, f),
    count: Math.max(1, f.part.items?.length ?? 0),
  });
}

function warrantySentence(lang: Language, f: NoticeFacts): string {
  return t(lang, 'notice.warranty', {
    covered: f.warrantyCovered ? 'yes' : 'no',
    tier: t(lang, `contractTier.${f.contractTier}` as MessageKey),
  });
}

function windowText(lang: Language, f: NoticeFacts): string {
  return f.arrival ? formatWindow(lang, f.arrival.fromMs, f.arrival.toMs, f.timeZone) : t(lang, 'notice.windowUnknown');
}

/** The paragraphs of the notice (the e-mail's body) and its one-paragraph form. */
function paragraphs(
  kind: NoticeKind,
  lang: Language,
  f: NoticeFacts,
): { lines: string[]; short: string; params: string[]; action: MessageKey } {
  const technician = f.technicianFirstName ?? t(lang, 'notice.ourTechnician');
  const window = windowText(lang, f);
  const id = f.workOrderId;
  switch (kind) {
    case 'visit_planned': {
      // Planned work (an installation, maintenance, an inspection) was booked, not found.
      const planned = isPlannedJob(f.mode);
      const found = planned ? t(lang, 'notice.planned.what', { kind: f.mode, model: f.modelName }) : finding(lang, f);
      const part = partSentence(lang, f);
      const warranty = warrantySentence(lang, f);
      const opening = planned
        ? t(lang, 'notice.visit_planned.booked', { site: f.siteName, what: found })
        : f.mode === 'customer_reported'
          ? t(lang, 'notice.visit_planned.reported', { site: f.siteName, finding: found })
          : t(lang, 'notice.visit_planned.found', { site: f.siteName, finding: found });
      return {
        lines: [opening, t(lang, 'notice.visit_planned.who', { technician, window }), part, warranty],
        short: t(lang, 'notice.visit_planned.short', { id, finding: found, technician, window, part, warranty }),
        params: [f.contactName, id, found, technician, window, part, warranty],
        action: 'notice.track',
      };
    }
    case 'en_route':
      return {
        lines: [t(lang, 'notice.en_route.body', { technician, site: f.siteName, window })],
        short: t(lang, 'notice.en_route.short', { id, technician, window }),
        params: [f.contactName, id, technician, window],
        action: 'notice.track',
      };
    case 'delayed': {
      const delay = t(lang, 'notice.delayed.body', {
        reason: f.delayReason ?? 'at_risk',
        site: f.siteName,
        by: f.deadlineMs === null ? '' : formatWindowPoint(lang, f.deadlineMs, f.timeZone),
        technician,
        window,
      });
      return {
        lines: [delay, t(lang, 'notice.delayed.sorry')],
        short: t(lang, 'notice.delayed.short', { id, delay }),
        params: [f.contactName, id, delay],
        action: 'notice.track',
      };
    }
    case 'resolved': {
      const outcome = isPlannedJob(f.mode)
        ? t(lang, 'notice.resolved.planned', {
            what: t(lang, 'notice.planned.what', { kind: f.mode, model: f.modelName }),
            site: f.siteName,
          })
        : t(lang, 'notice.resolved.outcome', {
            code: f.resolutionCode ?? 'other',
            part: partNames(lang, f),
            site: f.siteName,
          });
      return {
        lines: [outcome, warrantySentence(lang, f)],
        short: t(lang, 'notice.resolved.short', { id, outcome }),
        params: [f.contactName, id, outcome],
        action: 'notice.confirm',
      };
    }
    case 'cancelled': {
      const why = t(lang, 'notice.cancelled.body', { site: f.siteName });
      return {
        lines: [why],
        short: t(lang, 'notice.cancelled.short', { id, why }),
        params: [f.contactName, id, why],
        action: 'notice.track',
      };
    }
    case 'coverage_ending':
    case 'quote_ready':
      // Composed by their rooms: warranty/reminders.ts, billing/quote-notice.ts.
      throw new Error(`a ${kind} notice is composed by its own room`);
  }
}

/** "24 Nov 2026, 10.00 WIB" for a deadline inside a sentence. */
function formatWindowPoint(lang: Language, ms: number, timeZone: string): string {
  return `${formatDate(lang, ms, timeZone)}, ${formatterOf(lang, timeZone, 'time').format(ms)} ${zoneName(lang, ms, timeZone)}`;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The notice of `kind` for one contact. The link is left as LINK_PLACEHOLDER: the outbox puts the
 * contact's own tracking URL there when it sends (the token never rests in the store).
 * `template` is the WhatsApp template's name for this kind (a setting).
 */
export function composeNotice(
  kind: NoticeKind,
  lang: Language,
  f: NoticeFacts,
  to: string,
  template: string,
): OutgoingMessage {
  const { lines, short, params, action } = paragraphs(kind, lang, f);
  const subject = t(lang, `notice.subject.${kind}` as MessageKey, {
    id: f.workOrderId,
    model: f.modelName,
    site: f.siteName,
  });
  const greeting = t(lang, 'notice.greeting', { name: f.contactName });
  const actionText = t(lang, action, { link: LINK_PLACEHOLDER });
  const signature = t(lang, 'notice.signature');
  const about = t(lang, 'notice.about', { id: f.workOrderId, model: f.modelName, serial: f.serial, site: f.siteName });
  const text = [greeting, '', ...lines, '', actionText, '', signature, about].join('\n');
  const html =
    `<!doctype html><html lang="${lang}"><body style="font:15px/1.5 sans-serif;color:#1b2430;max-width:36rem">` +
    `<p>${escapeHtml(greeting)}</p>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}` +
    `<p><a href="${LINK_PLACEHOLDER}" style="display:inline-block;padding:.6rem 1.2rem;background:#0b6e4f;color:#fff;border-radius:.4rem;text-decoration:none">${escapeHtml(t(lang, action === 'notice.confirm' ? 'notice.button.confirm' : 'notice.button.track'))}</a></p>` +
    `<p>${escapeHtml(signature).replaceAll('\n', '<br>')}<br><small style="color:#5b6773">${escapeHtml(about)}</small></p></body></html>`;
  return {
    to,
    language: lang,
    subject,
    text,
    html,
    short: `${short} ${LINK_PLACEHOLDER}`,
    whatsapp: { template, params: [...params, LINK_PLACEHOLDER] },
  };
}

/** The sentences the tracking page shares with the notices (customers/tracking-page.ts). */
export { finding as noticeFinding, partSentence, warrantySentence, formatWindowPoint };
