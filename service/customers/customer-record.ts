// One customer on one page: what they own, what we did for them and what we told them. Read
// only; assembled from every room's store.

import { prepared } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import {
  requireFound,
  type Contact,
  type Customer,
  type DeviceRecord,
  type ServiceWorkOrder,
  type Site,
} from '../types.ts';
import type { CustomerMessageRecord } from '../notifications/notifier.ts';
import { publicContact } from './contacts.ts';
import type { FollowUp } from './follow-ups.ts';
import type { InboundMessage } from './inbound.ts';

/** Jobs shown on the record: the newest first, enough for years of a customer's service. */
const RECORD_WORK_ORDERS = 500;
const RECORD_MESSAGES = 1000;

export interface Rating {
  workOrderId: string;
  deviceId: string;
  answeredAtMs: number;
  csat: number;
  nps: number | null;
  comment: string | null;
}

export interface CustomerRecord {
  customer: Customer;
  sites: Site[];
  contacts: Contact[];
  /** Each device with whether its warranty still runs. */
  devices: (DeviceRecord & { warrantyActive: boolean })[];
  workOrders: ServiceWorkOrder[];
  /** Every notice sent (or not) to the customer's contacts, removed ones included, newest first. */
  messages: CustomerMessageRecord[];
  ratings: Rating[];
  /** What the customer's contacts sent in (e-mail replies, WhatsApp), newest first. */
  inbound: InboundMessage[];
  /** The planner's follow-up tasks about this customer, open and done, newest first. */
  followUps: FollowUp[];
}

export function customerRecord(stores: ServiceStores, customerId: string, nowMs: number): CustomerRecord {
  const { registry, contacts, orders, notifier, db } = stores;
  const customer = requireFound(registry.getCustomer(customerId), 'customer', customerId);
  const everyone = contacts.listForCustomer(customerId, { includeRemoved: true });
  const names = new Map(everyone.map((c) => [c.id, c.name]));
  // Survey answers and the ratings given on tracking pages; the tracking rating that answered the
  // job's survey is the same row twice, which UNION keeps once.
  const ratings = prepared(
    db,
    `SELECT s.work_order_id AS workOrderId, w.device_id AS deviceId, s.answered_at_ms AS answeredAtMs, s.csat, s.nps, s.comment
      FROM surveys s JOIN work_orders w ON w.id = s.work_order_id
      JOIN devices d ON d.id = w.device_id JOIN sites st ON st.id = d.site_id
      WHERE st.customer_id = ? AND s.answered_at_ms IS NOT NULL
    UNION
    SELECT l.work_order_id, w.device_id, l.confirmed_at_ms, l.csat, l.nps, l.comment
      FROM tracking_links l JOIN work_orders w ON w.id = l.work_order_id
      JOIN devices d ON d.id = w.device_id JOIN sites st ON st.id = d.site_id
      WHERE st.customer_id = ? AND l.csat IS NOT NULL
    ORDER BY answeredAtMs DESC`,
  ).all(customerId, customerId) as unknown as Rating[];
  return {
    customer,
    sites: registry.listSites({ customerId }),
    contacts: contacts.listForCustomer(customerId).map(publicContact),
    devices: registry.listDevices({ customerId }).map((d) => ({ ...d, warrantyActive: d.warrantyEndMs >= nowMs })),
    workOrders: orders.list({ customerId, limit: RECORD_WORK_ORDERS }),
    messages: notifier
      .customerMessages({ contactIds: everyone.map((c) => c.id), limit: RECORD_MESSAGES })
      .map((m) => ({ ...m, contactName: names.get(m.contactId) })),
    ratings,
    inbound: stores.inbound.list({ customerId, limit: RECORD_MESSAGES }),
    followUps: stores.followUps.list({ customerId, limit: RECORD_MESSAGES }),
  };
}
