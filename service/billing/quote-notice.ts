// The customer hears that a repair waits for their yes (notice `quote_ready`): what is wrong, the
// amount, and their tracking link, where they approve or decline (POST /api/track/:token/quote).
// Queued in the transaction that opened the job, through the customer notices' outbox.

import { formatIdr } from '../../core/i18n/format.ts';
import { t, type Language } from '../../core/i18n/index.ts';
import { channelFor } from '../notifications/channel-choice.ts';
import { LINK_PLACEHOLDER } from '../notifications/notifier.ts';
import type { ServiceStores } from '../stores.ts';
import type { ServiceWorkOrder } from '../types.ts';
import type { Quote } from './store.ts';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A quote not answered within a day is no longer news: the planner calls instead. */
const EXPIRES_AFTER_MS = 24 * 3600_000;

/** Queues the quote's notice for each contact of the job's site (inside the caller's transaction); returns how many. */
export function tellQuote(
  stores: ServiceStores,
  wo: ServiceWorkOrder,
  quote: Quote,
  whatsappTemplate: string,
  nowMs: number,
): number {
  const { registry, contacts, notifier, links, catalogue } = stores;
  const device = registry.getDevice(wo.deviceId);
  if (!device?.siteId) return 0;
  const model = catalogue.current(device.modelId);
  const recipients = contacts.recipientsForSite(device.siteId);
  for (const c of recipients) {
    const lang = c.language as Language;
    const amount = formatIdr(quote.totalIdr);
    const params = {
      id: wo.id,
      model: model?.name ?? device.modelId,
      serial: device.serial,
      site: device.siteName ?? '',
      finding: model?.failureModes.find((f) => f.id === wo.mode)?.name ?? wo.mode.replaceAll('_', ' '),
      amount,
    };
    const channel = channelFor(c, (ch) => notifier.hasChannel(ch));
    const greeting = t(lang, 'notice.greeting', { name: c.name });
    const body = t(lang, 'quoteNotice.body', params);
    const action = t(lang, 'quoteNotice.action', { link: LINK_PLACEHOLDER });
    const signature = t(lang, 'notice.signature');
    notifier.enqueueCustomer({
      workOrderId: wo.id,
      contactId: c.id,
      notice: 'quote_ready',
      channel: channel.ok ? channel.channel : c.preferredChannel,
      urgent: false,
      expiresAtMs: nowMs + EXPIRES_AFTER_MS,
      refused: channel.ok ? undefined : channel.reason,
      payload: {
        message: {
          to: channel.ok ? channel.to : (c.email ?? c.phone ?? ''),
          language: lang,
          subject: t(lang, 'quoteNotice.subject', params),
          text: [greeting, '', body, '', action, '', signature].join('\n'),
          html: `<!doctype html><html lang="${lang}"><body style="font:15px/1.5 sans-serif;color:#1b2430;max-width:36rem"><p>${escapeHtml(greeting)}</p><p>${escapeHtml(body)}</p><p>${escapeHtml(action)}</p><p>${escapeHtml(signature).replaceAll('\n', '<br>')}</p></body></html>`,
          short: `${t(lang, 'quoteNotice.short', params)} ${LINK_PLACEHOLDER}`,
          whatsapp: { template: whatsappTemplate, params: [c.name, wo.id, params.model, amount, LINK_PLACEHOLDER] },
        },
        linkId: links.ensure(wo.id, c.id, nowMs),
        quiet:
          c.quietFromMin !== null && c.quietToMin !== null
            ? { fromMin: c.quietFromMin, toMin: c.quietToMin, timeZone: device.timeZone ?? 'Asia/Jakarta' }
            : null,
      },
    });
  }
  return recipients.length;
}
