// Reminders before a warranty or service contract ends (issue 19, item 4): once per device, kind
// and end date, each of the site's contacts hears it through the customer notices' outbox (their
// channel, quiet hours, retries, the delivery log), a month ahead: time to extend it before
// repairs start being charged.

import { formatDate } from '../../core/i18n/format.ts';
import { t, type Language } from '../../core/i18n/index.ts';
import { DAY_MS } from '../calendar.ts';
import { inTransaction, prepared } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import { channelFor } from '../notifications/channel-choice.ts';
import type { DeviceRecord } from '../types.ts';

/** How long before the end the customer hears: a month, time to sign an extension. */
export const REMINDER_LEAD_MS = 30 * DAY_MS;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface ReminderSent {
  deviceId: string;
  kind: 'warranty' | 'contract';
  endsAtMs: number;
  contacts: number;
}

export class CoverageReminders {
  readonly #s: ServiceStores;
  readonly #whatsappTemplate: string;

  constructor(stores: ServiceStores, whatsappTemplate: string) {
    this.#s = stores;
    this.#whatsappTemplate = whatsappTemplate;
  }

  /** One pass: every device whose warranty or contract ends within the lead and whose customer was not told yet. */
  run(nowMs: number): ReminderSent[] {
    const { registry, terms } = this.#s;
    const out: ReminderSent[] = [];
    for (const device of registry.listDevices()) {
      if (!device.siteId) continue;
      const cover = terms.coverageAt(device, nowMs);
      if (cover.kind === 'none' || cover.endsAtMs === null) continue;
      if (cover.endsAtMs - nowMs > REMINDER_LEAD_MS) continue;
      const kind = cover.kind;
      const endsAtMs = cover.endsAtMs;
      const sent = inTransaction(this.#s.db, () => {
        const done = prepared(
          this.#s.db,
          'INSERT OR IGNORE INTO coverage_reminders (device_id, kind, ends_at_ms, sent_at_ms) VALUES (?, ?, ?, ?)',
        ).run(device.id, kind, endsAtMs, nowMs);
        if (done.changes === 0) return null;
        return this.#tell(device, kind, cover.tier, endsAtMs, nowMs);
      });
      if (sent !== null) out.push({ deviceId: device.id, kind, endsAtMs, contacts: sent });
    }
    return out;
  }

  /** Queues the notice for each contact of the device's site; returns how many. */
  #tell(
    device: DeviceRecord,
    kind: 'warranty' | 'contract',
    tier: string | null,
    endsAtMs: number,
    nowMs: number,
  ): number {
    const { contacts, notifier, catalogue } = this.#s;
    const recipients = contacts.recipientsForSite(device.siteId!);
    const model = catalogue.current(device.modelId)?.name ?? device.modelId;
    for (const c of recipients) {
      const lang = c.language as Language;
      const params = {
        kind,
        tier: tier ?? '',
        model,
        serial: device.serial,
        site: device.siteName ?? '',
        date: formatDate(lang, endsAtMs, device.timeZone ?? 'Asia/Jakarta'),
      };
      const channel = channelFor(c, (ch) => notifier.hasChannel(ch));
      const body = t(lang, 'reminder.coverage.body', params);
      const action = t(lang, 'reminder.coverage.action');
      notifier.enqueueCustomer({
        workOrderId: null,
        contactId: c.id,
        notice: 'coverage_ending',
        channel: channel.ok ? channel.channel : c.preferredChannel,
        urgent: false,
        expiresAtMs: nowMs + 7 * DAY_MS,
        refused: channel.ok ? undefined : channel.reason,
        payload: {
          message: {
            to: channel.ok ? channel.to : (c.email ?? c.phone ?? ''),
            language: lang,
            subject: t(lang, 'reminder.coverage.subject', params),
            text: [
              t(lang, 'notice.greeting', { name: c.name }),
              '',
              body,
              '',
              action,
              '',
              t(lang, 'notice.signature'),
            ].join('\n'),
            html: `<!doctype html><html lang="${lang}"><body style="font:15px/1.5 sans-serif;color:#1b2430;max-width:36rem"><p>${escapeHtml(t(lang, 'notice.greeting', { name: c.name }))}</p><p>${escapeHtml(body)}</p><p>${escapeHtml(action)}</p><p>${escapeHtml(t(lang, 'notice.signature')).replaceAll('\n', '<br>')}</p></body></html>`,
            short: t(lang, 'reminder.coverage.short', params),
            whatsapp: {
              template: this.#whatsappTemplate,
              params: [c.name, model, device.serial, params.site, params.date],
            },
          },
          linkId: null,
          quiet:
            c.quietFromMin !== null && c.quietToMin !== null
              ? { fromMin: c.quietFromMin, toMin: c.quietToMin, timeZone: device.timeZone ?? 'Asia/Jakarta' }
              : null,
        },
      });
    }
    return recipients.length;
  }
}
