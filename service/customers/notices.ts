// The customer hears from Purna as their job moves: the visit is planned (what was found, who
// comes when, the part, the warranty), the technician is on the way, the visit is late, the work
// is done (confirm and rate), the visit is off. Decided here, written into the outbox in the
// transaction of the change, sent by the outbox (retries, quiet hours, one per job, notice and
// contact).

import type { Language } from '../../core/i18n/index.ts';
import type { NoticeKind } from '../notifications/notifier.ts';
import { VAN_SPEED_KMH } from '../planning/planner.ts';
import type { ServiceStores } from '../stores.ts';
import type { CustomerChannel, ServiceWorkOrder } from '../types.ts';
import { parsePhone } from './contact-fields.ts';
import type { ContactRecord } from './contacts.ts';
import { composeNotice, type DelayReason, type NoticeFacts } from './notice-text.ts';
import type { TrackingLinks } from './tracking-links.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** After this long unsent, a notice is no longer news and is given up (recorded dead, with the reason). */
const EXPIRES_AFTER_MS: Record<NoticeKind, number> = {
  visit_planned: 24 * HOUR,
  en_route: 3 * HOUR,
  delayed: 6 * HOUR,
  resolved: 72 * HOUR,
  cancelled: 24 * HOUR,
  coverage_ending: 7 * 24 * HOUR,
  quote_ready: 24 * HOUR,
};

/** The setting that turns each channel on, for the reason a message could not go. */
const CHANNEL_SETTING: Record<CustomerChannel, string> = {
  email: 'PURNA_SMTP_HOST',
  whatsapp: 'PURNA_WHATSAPP_TOKEN',
  sms: 'PURNA_SMS_URL',
};

/** How wide an arrival window is promised: two hours when planned, one once on the way. */
const PLANNED_WINDOW_MS = 2 * HOUR;
const EN_ROUTE_WINDOW_MS = HOUR;

const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;

export interface NoticeOptions {
  stores: ServiceStores;
  links: TrackingLinks;
  /** The approved WhatsApp template of each kind (PURNA_WHATSAPP_TEMPLATES). */
  whatsappTemplates: Readonly<Record<NoticeKind, string>>;
}

export class CustomerNotices {
  readonly #o: NoticeOptions;

  constructor(opts: NoticeOptions) {
    this.#o = opts;
  }

  /** After a work-order change (inside its transaction): the notice it calls for, if any. */
  afterChange(order: ServiceWorkOrder, nowMs: number): void {
    if (order.state === 'assigned' && order.technicianId && order.partStatus !== 'backorder')
      this.#send('visit_planned', order, nowMs, {});
    else if (order.state === 'en_route') this.#send('en_route', order, nowMs, {});
    else if (order.state === 'resolved') this.#send('resolved', order, nowMs, {});
    // Only a visit the customer was told about is called off to them.
    else if (order.state === 'cancelled') this.#send('cancelled', order, nowMs, { onlyIfTold: true });
  }

  /** The visit will be (or is) late: once per job, whichever comes first. Inside the caller's transaction. */
  delayed(order: ServiceWorkOrder, reason: DelayReason, deadlineMs: number | null, nowMs: number): void {
    if (this.#o.stores.notifier.customerMessages({ workOrderId: order.id }).some((m) => m.notice === 'delayed')) return;
    this.#send('delayed', order, nowMs, { delayReason: reason, deadlineMs });
  }

  #send(
    kind: NoticeKind,
    order: ServiceWorkOrder,
    nowMs: number,
    extra: { delayReason?: DelayReason; deadlineMs?: number | null; onlyIfTold?: boolean },
  ): void {
    const { registry, contacts, notifier } = this.#o.stores;
    const device = registry.getDevice(order.deviceId);
    if (!device?.siteId) return;
    const told = extra.onlyIfTold
      ? new Set(
          notifier
            .customerMessages({ workOrderId: order.id })
            .filter((m) => m.notice === 'visit_planned')
            .map((m) => m.contactId),
        )
      : null;
    for (const contact of contacts.recipientsForSite(device.siteId)) {
      if (told && !told.has(contact.id)) continue;
      const channel = this.#channelFor(contact);
      const to = channel.ok ? channel.to : (contact.email ?? contact.phone ?? '');
      const facts = noticeFacts(this.#o.stores, kind, order, contact, nowMs, extra);
      const template = this.#o.whatsappTemplates[kind];
      const linkId = this.#o.links.ensure(order.id, contact.id, nowMs);
      notifier.enqueueCustomer({
        workOrderId: order.id,
        contactId: contact.id,
        notice: kind,
        channel: channel.ok ? channel.channel : contact.preferredChannel,
        urgent: kind === 'en_route' || order.severity === 'critical',
        expiresAtMs: nowMs + EXPIRES_AFTER_MS[kind],
        refused: channel.ok ? undefined : channel.reason,
        payload: {
          message: composeNotice(kind, contact.language as Language, facts, to, template),
          linkId,
          quiet:
            contact.quietFromMin !== null && contact.quietToMin !== null
              ? {
                  fromMin: contact.quietFromMin,
                  toMin: contact.quietToMin,
                  timeZone: device.timeZone ?? 'Asia/Jakarta',
                }
              : null,
        },
      });
    }
  }

  /**
   * The contact's preferred channel when it is configured and they have its address; else the
   * first that is (e-mail, WhatsApp, SMS): a customer who prefers WhatsApp still hears by e-mail
   * while WhatsApp is not set up. None: why not, for the job's record.
   */
  #channelFor(c: ContactRecord): { ok: true; channel: CustomerChannel; to: string } | { ok: false; reason: string } {
    const { notifier } = this.#o.stores;
    const mobile = c.phone !== null && parsePhone(c.phone).mobile;
    const addressOf = (ch: CustomerChannel) => (ch === 'email' ? c.email : mobile ? c.phone : null);
    const order: CustomerChannel[] = [
      c.preferredChannel,
      ...(['email', 'whatsapp', 'sms'] as const).filter((ch) => ch !== c.preferredChannel),
    ];
    for (const ch of order) {
      const to = addressOf(ch);
      if (to && notifier.hasChannel(ch)) return { ok: true, channel: ch, to };
    }
    const preferred = c.preferredChannel;
    return {
      ok: false,
      reason: `${preferred} is not configured (${CHANNEL_SETTING[preferred]} unset) and no other configured channel has an address for ${c.name}`,
    };
  }
}

/** What a notice (or the tracking page) says of a job, for one contact. */
export function noticeFacts(
  stores: ServiceStores,
  kind: NoticeKind,
  o: ServiceWorkOrder,
  c: Pick<ContactRecord, 'name'>,
  nowMs: number,
  extra: { delayReason?: DelayReason; deadlineMs?: number | null } = {},
): NoticeFacts {
  const { registry, network, catalogue } = stores;
  const device = registry.getDevice(o.deviceId)!;
  const model = catalogue.current(device.modelId);
  const tech = o.technicianId ? network.getTechnician(o.technicianId) : undefined;
  const partStatus =
    o.partStatus === 'reserved' || o.partStatus === 'backorder' || o.partStatus === 'consumed' ? o.partStatus : 'none';
  return {
    workOrderId: o.id,
    contactName: c.name,
    customerName: device.customerName ?? '',
    siteName: device.siteName ?? '',
    timeZone: device.timeZone ?? 'Asia/Jakarta',
    modelName: model?.name ?? device.modelId,
    serial: device.serial,
    mode: o.mode,
    modeName: model?.failureModes.find((m) => m.id === o.mode)?.name ?? o.mode.replaceAll('_', ' '),
    customerReport: o.customerReport,
    failureInMs: o.predictedFailureAtMs === null ? null : o.predictedFailureAtMs - nowMs,
    technicianFirstName: tech ? tech.name.split(/\s+/)[0] : null,
    arrival: arrivalWindow(kind, o, nowMs),
    part: {
      name: o.partName ?? o.partSku ?? '',
      items: o.parts.map((p) => ({ name: p.name || p.sku, quantity: p.quantity })),
      status: partStatus,
    },
    warrantyCovered: o.warrantyCovered,
    contractTier: device.contractTier,
    resolutionCode: o.resolutionCode,
    delayReason: extra.delayReason ?? null,
    deadlineMs: extra.deadlineMs ?? null,
  };
}

/**
 * The window the technician is expected in. Planned: from when the plan has both technician
 * and part there (rounded down to the half hour), two hours wide. On the way: the drive from
 * their planned distance at van speed, from the quarter hour, one hour wide.
 */
export function arrivalWindow(
  kind: NoticeKind,
  o: ServiceWorkOrder,
  nowMs: number,
): { fromMs: number; toMs: number } | null {
  if (o.state === 'en_route' && o.plan?.technician) {
    const from = floorTo(nowMs + (o.plan.technician.distanceKm / VAN_SPEED_KMH) * HOUR, 15 * MINUTE);
    return { fromMs: from, toMs: from + EN_ROUTE_WINDOW_MS };
  }
  if (kind === 'resolved' || kind === 'cancelled') return null;
  const lead = o.plannedLeadTimeMs ?? o.technicianEtaMs;
  if (lead === null || !o.plan) return null;
  const from = floorTo(o.plan.plannedAtMs + lead, 30 * MINUTE);
  if (from + PLANNED_WINDOW_MS < nowMs) return null; // the plan's time has passed: no stale promise
  return { fromMs: from, toMs: from + PLANNED_WINDOW_MS };
}
