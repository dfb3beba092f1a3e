// What customers send in: a reply to a notice by e-mail, a WhatsApp message. The sender is found
// among the contacts by address; the message goes on their open job, or opens a customer-reported
// one when it is clear which machine they mean, or becomes a follow-up task for the planner.
// Every message is kept once (by the provider's id: providers resend webhooks) and shows on the
// customer's record and on the job.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SqlDb } from '../../sql/sql-db.ts';
import type { Clock } from '../../core/clock.ts';
import { CUSTOMER_REPORTED_MODE } from '../../core/types.ts';
import { ACTIVE_STATES } from '../../core/work-order-states.ts';
import { inTransaction, prepared } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import type { ServiceWorkOrder } from '../types.ts';
import type { NewJobInput } from '../work-orders/commands.ts';
import { parsePhone } from './contact-fields.ts';
import type { ContactRecord } from './contacts.ts';

export type InboundChannel = 'email' | 'whatsapp';
/** attached: to the contact's open job · opened: a customer-reported job · unplaced: a follow-up for the planner · unknown_sender: no contact has the address. */
export type InboundOutcome = 'attached' | 'opened' | 'unplaced' | 'unknown_sender';

export interface InboundInput {
  channel: InboundChannel;
  /** The provider's id of the message (WhatsApp's wamid, the e-mail's Message-ID): kept once. */
  providerMessageId: string;
  /** E.164 phone (WhatsApp) or e-mail address. */
  from: string;
  fromName?: string | null;
  subject?: string | null;
  text: string;
  receivedAtMs?: number;
}

export interface InboundMessage {
  id: number;
  channel: InboundChannel;
  providerMessageId: string;
  fromAddress: string;
  fromName: string | null;
  subject: string | null;
  text: string;
  contactId: string | null;
  contactName: string | null;
  customerId: string | null;
  workOrderId: string | null;
  outcome: InboundOutcome;
  receivedAtMs: number;
}

/** Longest text kept of one message (a pasted log stays readable; the rest is cut). */
const MAX_TEXT = 4000;

export class InboundMessages {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  find(channel: InboundChannel, providerMessageId: string): InboundMessage | undefined {
    const r = prepared(this.#db, `${SELECT} WHERE m.channel = ? AND m.provider_message_id = ?`).get(
      channel,
      providerMessageId,
    ) as Row | undefined;
    return r ? toMessage(r) : undefined;
  }

  insert(m: Omit<InboundMessage, 'id' | 'contactName'>): InboundMessage {
    prepared(
      this.#db,
      `INSERT INTO inbound_messages (channel, provider_message_id, from_address, from_name, subject, text, contact_id,
        customer_id, work_order_id, outcome, received_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      m.channel,
      m.providerMessageId,
      m.fromAddress,
      m.fromName,
      m.subject,
      m.text,
      m.contactId,
      m.customerId,
      m.workOrderId,
      m.outcome,
      m.receivedAtMs,
    );
    return this.find(m.channel, m.providerMessageId)!;
  }

  /** A customer's or a job's messages, or those of one outcome (the unknown senders), newest first. */
  list(filter: {
    customerId?: string;
    workOrderId?: string;
    outcome?: InboundOutcome;
    limit?: number;
  }): InboundMessage[] {
    const [col, value] = filter.workOrderId
      ? ['m.work_order_id', filter.workOrderId]
      : filter.customerId
        ? ['m.customer_id', filter.customerId]
        : ['m.outcome', filter.outcome ?? 'unknown_sender'];
    return (
      prepared(this.#db, `${SELECT} WHERE ${col} = ? ORDER BY m.received_at_ms DESC, m.id DESC LIMIT ?`).all(
        value,
        filter.limit ?? 1000,
      ) as unknown as Row[]
    ).map(toMessage);
  }
}

/**
 * The reply's own words: what comes before the quoted message a mail client appends ("On … wrote:",
 * "Pada … menulis:", "-----Original Message-----", lines quoted with ">").
 */
export function replyText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const cut = lines.findIndex(
    (l) =>
      /^\s*>/.test(l) ||
      /^\s*-{2,}\s*(original message|pesan asli)/i.test(l) ||
      /^\s*(on|pada)\b.{4,200}\b(wrote|menulis)\s*:\s*$/i.test(l),
  );
  const own = (cut === -1 ? lines : lines.slice(0, cut)).join('\n').trim();
  return (own || text.trim()).slice(0, MAX_TEXT);
}

/** `sha256=<hex HMAC-SHA256(secret, body)>`, compared in constant time. */
export function validSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class CustomerInbox {
  readonly #s: ServiceStores;
  readonly #clock: Clock;
  readonly #createJob: (input: NewJobInput) => ServiceWorkOrder;

  constructor(stores: ServiceStores, clock: Clock, createJob: (input: NewJobInput) => ServiceWorkOrder) {
    this.#s = stores;
    this.#clock = clock;
    this.#createJob = createJob;
  }

  /** Files one message (once per provider id: a resent webhook gets the first filing back). */
  receive(input: InboundInput): InboundMessage {
    const known = this.#s.inbound.find(input.channel, input.providerMessageId);
    if (known) return known;
    const now = this.#clock.nowMs();
    const receivedAtMs = input.receivedAtMs ?? now;
    const text = input.channel === 'email' ? replyText(input.text) : input.text.trim().slice(0, MAX_TEXT);
    const base = {
      channel: input.channel,
      providerMessageId: input.providerMessageId,
      fromAddress: input.from,
      fromName: input.fromName ?? null,
      subject: input.subject ?? null,
      text,
      receivedAtMs,
    };
    const contact = this.#sender(input);
    if (!contact)
      return inTransaction(this.#s.db, () =>
        this.#s.inbound.insert({
          ...base,
          contactId: null,
          customerId: null,
          workOrderId: null,
          outcome: 'unknown_sender',
        }),
      );
    const who = { contactId: contact.id, customerId: contact.customerId };
    const label = input.channel === 'email' ? 'E-mail' : 'WhatsApp';
    const open = this.#openJobOf(contact, text);
    if (open)
      return inTransaction(this.#s.db, () => {
        this.#s.orders.addNote(open.id, `customer:${contact.id}`, now, `${label} from ${contact.name}: “${text}”`);
        return this.#s.inbound.insert({ ...base, ...who, workOrderId: open.id, outcome: 'attached' });
      });
    if (this.#activeJobs(contact).length > 0) return this.#unplaced(base, who, text, now);
    const deviceId = this.#deviceMeant(contact, text);
    if (deviceId) {
      const job = this.#createJob({
        deviceId,
        mode: CUSTOMER_REPORTED_MODE,
        customerReport: text,
        source: `customer:${input.channel}`,
        actor: `customer:${contact.id}`,
        note: `${label} from ${contact.name}`,
      });
      return inTransaction(this.#s.db, () =>
        this.#s.inbound.insert({ ...base, ...who, workOrderId: job.id, outcome: 'opened' }),
      );
    }
    return this.#unplaced(base, who, text, now);
  }

  /** Nobody can tell which job or machine: the planner gets a follow-up with the words. */
  #unplaced(
    base: Omit<InboundMessage, 'id' | 'contactName' | 'contactId' | 'customerId' | 'workOrderId' | 'outcome'>,
    who: { contactId: string; customerId: string },
    text: string,
    now: number,
  ): InboundMessage {
    return inTransaction(this.#s.db, () => {
      const m = this.#s.inbound.insert({ ...base, ...who, workOrderId: null, outcome: 'unplaced' });
      this.#s.followUps.open({ reason: 'unplaced_message', workOrderId: null, ...who, comment: text }, now);
      return m;
    });
  }

  #sender(input: InboundInput): ContactRecord | undefined {
    if (input.channel === 'email') return this.#s.contacts.findByAddress({ email: input.from })[0];
    // WhatsApp's wa_id is the number's digits without the '+'.
    let e164: string;
    try {
      e164 = parsePhone(input.from.startsWith('+') ? input.from : `+${input.from}`).e164;
    } catch {
      return undefined;
    }
    return this.#s.contacts.findByAddress({ phone: e164 })[0];
  }

  /** The active jobs a contact hears about: at their site, or at any of the customer's for a customer-wide contact. */
  #activeJobs(c: ContactRecord): ServiceWorkOrder[] {
    return this.#s.orders
      .list({ customerId: c.customerId, state: [...ACTIVE_STATES], limit: 200 })
      .filter((o) => !c.siteId || this.#s.registry.getDevice(o.deviceId)?.siteId === c.siteId)
      .sort((a, b) => b.updatedAtMs - a.updatedAtMs);
  }

  /**
   * The job a message is about: the active one on the machine it names; else the only active
   * one; else, from a site's contact, their site's latest. A customer-wide contact with jobs at
   * several sites who names no machine: none (the planner asks).
   */
  #openJobOf(c: ContactRecord, text: string): ServiceWorkOrder | undefined {
    const jobs = this.#activeJobs(c);
    const lower = text.toLowerCase();
    const named = jobs.filter((o) => {
      const d = this.#s.registry.getDevice(o.deviceId);
      return (
        lower.includes(o.deviceId.toLowerCase()) ||
        (!!d && d.serial.length >= 4 && lower.includes(d.serial.toLowerCase()))
      );
    });
    if (named.length >= 1) return named[0];
    if (jobs.length === 1 || (jobs.length > 1 && c.siteId)) return jobs[0];
    return undefined;
  }

  /** The machine a message is about: the only one at the contact's site, or the one whose serial or id it names. */
  #deviceMeant(c: ContactRecord, text: string): string | null {
    const devices = this.#s.registry
      .listDevices({ customerId: c.customerId })
      .filter((d) => !c.siteId || d.siteId === c.siteId);
    if (devices.length === 1) return devices[0].id;
    const lower = text.toLowerCase();
    const named = devices.filter(
      (d) => lower.includes(d.id.toLowerCase()) || (d.serial.length >= 4 && lower.includes(d.serial.toLowerCase())),
    );
    return named.length === 1 ? named[0].id : null;
  }
}

const SELECT = 'SELECT m.*, c.name AS contact_name FROM inbound_messages m LEFT JOIN contacts c ON c.id = m.contact_id';

interface Row {
  id: number;
  channel: InboundChannel;
  provider_message_id: string;
  from_address: string;
  from_name: string | null;
  subject: string | null;
  text: string;
  contact_id: string | null;
  contact_name: string | null;
  customer_id: string | null;
  work_order_id: string | null;
  outcome: InboundOutcome;
  received_at_ms: number;
}

function toMessage(r: Row): InboundMessage {
  return {
    id: r.id,
    channel: r.channel,
    providerMessageId: r.provider_message_id,
    fromAddress: r.from_address,
    fromName: r.from_name,
    subject: r.subject,
    text: r.text,
    contactId: r.contact_id,
    contactName: r.contact_name,
    customerId: r.customer_id,
    workOrderId: r.work_order_id,
    outcome: r.outcome,
    receivedAtMs: r.received_at_ms,
  };
}

/**
 * The text messages in a WhatsApp Cloud API webhook (`object: whatsapp_business_account`,
 * `entry[].changes[]` with `field: messages`, `value.messages[]` and `value.contacts[]`). Status
 * updates (`value.statuses`) and other fields carry no customer words and are passed over; a
 * message that is not text (image, location …) is kept by its caption or its type.
 */
export function whatsappMessages(body: unknown): InboundInput[] {
  const out: InboundInput[] = [];
  const entries = (body as { entry?: unknown })?.entry;
  if (!Array.isArray(entries)) return out;
  for (const entry of entries) {
    for (const change of (entry as { changes?: unknown[] })?.changes ?? []) {
      const { field, value } = change as { field?: string; value?: WhatsAppValue };
      if (field !== 'messages' || !value || !Array.isArray(value.messages)) continue;
      const names = new Map((value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
      for (const m of value.messages) {
        if (typeof m?.id !== 'string' || typeof m.from !== 'string') continue;
        const text =
          m.text?.body ??
          m.button?.text ??
          m.interactive?.button_reply?.title ??
          m.interactive?.list_reply?.title ??
          m.image?.caption ??
          m.document?.caption ??
          `[${m.type ?? 'message'}]`;
        const seconds = Number(m.timestamp);
        out.push({
          channel: 'whatsapp',
          providerMessageId: m.id,
          from: m.from,
          fromName: names.get(m.from) ?? null,
          text,
          receivedAtMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined,
        });
      }
    }
  }
  return out;
}

interface WhatsAppValue {
  contacts?: { wa_id?: string; profile?: { name?: string } }[];
  messages?: {
    id?: string;
    from?: string;
    timestamp?: string;
    type?: string;
    text?: { body?: string };
    button?: { text?: string };
    interactive?: { button_reply?: { title?: string }; list_reply?: { title?: string } };
    image?: { caption?: string };
    document?: { caption?: string };
  }[];
}

/** "Dewi Lestari <dewi@tirta.test>" → the address and the name. */
export function mailbox(from: string): { address: string; name: string | null } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  return m ? { address: m[2].trim(), name: m[1].trim() || null } : { address: from.trim(), name: null };
}
