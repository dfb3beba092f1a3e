// The customers room as callers see it (`service.customers`): customers, sites and devices (the
// registry), their contacts, the customer record, surveys and the CSV import of devices and
// contacts. Each method hands the call to the store or link service that does the work.

import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { importCsv, type ImportResult } from '../csv-import.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import {
  requireFound,
  type Contact,
  type Customer,
  type DeviceInput,
  type DeviceRecord,
  type Site,
  type ServiceWorkOrder,
  type SiteInput,
} from '../types.ts';
import type { NewJobInput } from '../work-orders/commands.ts';
import type { ContactInput } from './contact-fields.ts';
import { publicContact } from './contacts.ts';
import { customerRecord, type CustomerRecord } from './customer-record.ts';
import type { Registry } from './registry.ts';
import type { SurveyedJob, SurveyLinks } from './survey-links.ts';
import type { Survey, SurveyAnswer } from './surveys.ts';
import type { FollowUp } from './follow-ups.ts';
import {
  CustomerInbox,
  validSignature,
  type InboundChannel,
  type InboundInput,
  type InboundMessage,
  type InboundOutcome,
} from './inbound.ts';
import { CustomerTracking, type TrackingOpen } from './tracking.ts';
import type { TrackingAnswer, TrackingLink } from './tracking-links.ts';

/** The secrets inbound messages are checked with (settings; see core/config.ts). */
export interface InboundSecrets {
  /** The Meta app's secret: X-Hub-Signature-256 of a WhatsApp webhook. */
  whatsappAppSecret?: string;
  /** What Meta's subscription handshake must present (hub.verify_token). */
  whatsappVerifyToken?: string;
  /** The inbound-mail relay's secret: X-Purna-Signature of POST /api/inbound/email. */
  emailSecret?: string;
}

export interface CustomersRoomOptions {
  /** Opens a job (the work-orders room's command): a customer's message about a machine with no open job. */
  createJob: (input: NewJobInput) => ServiceWorkOrder;
  inbound?: InboundSecrets;
}

export class CustomersRoom {
  readonly #stores: ServiceStores;
  readonly #surveys: SurveyLinks;
  readonly #clock: Clock;
  readonly #tracking: CustomerTracking;

  readonly #inbox: CustomerInbox;
  readonly #inboundSecrets: InboundSecrets;

  constructor(stores: ServiceStores, surveys: SurveyLinks, clock: Clock, opts: CustomersRoomOptions) {
    this.#stores = stores;
    this.#surveys = surveys;
    this.#clock = clock;
    this.#tracking = new CustomerTracking(stores, clock);
    this.#inbox = new CustomerInbox(stores, clock, opts.createJob);
    this.#inboundSecrets = opts.inbound ?? {};
  }

  get #registry(): Registry {
    return this.#stores.registry;
  }

  // ── customers, sites, devices (registry.ts) ──────────────────────────────

  /** Idempotent upsert; fields not given keep their stored values (see Registry.upsertDevices). */
  registerDevices(devices: readonly DeviceInput[]): void {
    this.#registry.upsertDevices(devices);
  }
  listDevices(): DeviceRecord[] {
    return this.#registry.listDevices();
  }
  getDevice(id: string): DeviceRecord | undefined {
    return this.#registry.getDevice(id);
  }
  listCustomers(): Customer[] {
    return this.#registry.listCustomers();
  }
  listSites(): Site[] {
    return this.#registry.listSites();
  }
  saveCustomer(c: Parameters<Registry['upsertCustomer']>[0]): Customer | undefined {
    this.#registry.upsertCustomer(c);
    return this.listCustomers().find((x) => x.id === c.id);
  }
  saveSite(s: SiteInput): Site | undefined {
    this.#registry.upsertSite(s);
    return this.#registry.getSite(s.id);
  }
  /** CSV import of devices or contacts (all or nothing; see csv-import.ts for why). */
  importCsv(kind: 'devices' | 'contacts', text: string): ImportResult {
    return importCsv(kind, text, this.#stores, this.#clock.nowMs());
  }

  /** The customer's page: sites, contacts, devices with warranty, jobs, ratings (404 unknown customer). */
  customerRecord(customerId: string): CustomerRecord {
    return customerRecord(this.#stores, customerId, this.#clock.nowMs());
  }

  // ── contacts (contacts.ts) ───────────────────────────────────────────────

  listContacts(customerId: string): Contact[] {
    requireFound(this.#registry.getCustomer(customerId), 'customer', customerId);
    return this.#stores.contacts.listForCustomer(customerId).map(publicContact);
  }
  getContact(id: string): Contact {
    return publicContact(this.#stores.contacts.require(id));
  }
  /** Creates or replaces a contact; a bad field is a 400 naming it (see contact-fields.ts). */
  saveContact(id: string, input: ContactInput): Contact {
    const { contacts } = this.#stores;
    return publicContact(contacts.save(id, contacts.check(input), this.#clock.nowMs()));
  }
  /** A new contact of `customerId` under an id of Purna's choosing. */
  addContact(customerId: string, input: Omit<ContactInput, 'customerId'>): Contact {
    return this.saveContact(`CON-${randomUUID().slice(0, 8)}`, { ...input, customerId });
  }
  removeContact(id: string): void {
    this.#stores.contacts.deactivate(id, this.#clock.nowMs());
  }

  // ── surveys (survey-links.ts) ────────────────────────────────────────────

  /** Issues a fresh one-time survey link for a resolved work order (a re-send; the old link dies). */
  issueSurvey(workOrderId: string): { token: string; url: string } {
    return this.#surveys.reissue(workOrderId);
  }
  openSurvey(token: string): { survey: Survey; workOrder: SurveyedJob } {
    return this.#surveys.open(token);
  }
  answerSurvey(token: string, answer: SurveyAnswer): Survey {
    return this.#surveys.answer(token, answer);
  }
  surveyOf(workOrderId: string): Survey | undefined {
    return this.#surveys.of(workOrderId);
  }

  // ── the tracking page and the planner's follow-ups (tracking.ts, follow-ups.ts) ──

  /** What a tracking link opens: the job's view, or why not (404 unknown, 410 used or expired, with the contact's language). */
  openTracking(token: string): TrackingOpen {
    return this.#tracking.open(token);
  }
  /** The customer's confirmation and rating on their tracking page (once; see CustomerTracking.answer). */
  answerTracking(token: string, answer: TrackingAnswer): ReturnType<CustomerTracking['answer']> {
    return this.#tracking.answer(token, answer);
  }
  /** The confirmations and ratings the customer's contacts gave on a job's tracking links. */
  trackingAnswers(workOrderId: string): (TrackingLink & { contactName: string | null })[] {
    const { orders, links, contacts } = this.#stores;
    return links
      .forWorkOrder(orders.require(workOrderId).id)
      .filter((l) => l.confirmedAtMs !== null)
      .map((l) => ({ ...l, contactName: contacts.get(l.contactId)?.name ?? null }));
  }
  listFollowUps(
    filter: { open?: boolean; workOrderId?: string; customerId?: string; limit?: number } = {},
  ): FollowUp[] {
    return this.#stores.followUps.list(filter);
  }
  /** A planner closes a follow-up (409 when already done). */
  completeFollowUp(id: number, input: { actor: string; note?: string }): FollowUp {
    const { db, followUps } = this.#stores;
    return inTransaction(db, () => followUps.done(id, input.actor, input.note?.trim() || null, this.#clock.nowMs()));
  }

  // ── what customers send in (inbound.ts) ──────────────────────────────────

  /**
   * Whether an inbound request is signed with the configured secret: 'unconfigured' when none is
   * set (the endpoint is off), 'bad' when the signature is missing or wrong.
   */
  checkInboundSignature(
    channel: InboundChannel,
    body: Buffer,
    header: string | undefined,
  ): 'ok' | 'bad' | 'unconfigured' {
    const secret = channel === 'whatsapp' ? this.#inboundSecrets.whatsappAppSecret : this.#inboundSecrets.emailSecret;
    if (!secret) return 'unconfigured';
    return validSignature(secret, body, header) ? 'ok' : 'bad';
  }
  /** Meta's webhook subscription handshake: the challenge to echo, or null when the token is not ours. */
  whatsappChallenge(mode: string | undefined, token: string | undefined, challenge: string | undefined): string | null {
    const expected = this.#inboundSecrets.whatsappVerifyToken;
    if (!expected || mode !== 'subscribe' || token === undefined || challenge === undefined) return null;
    const a = Buffer.from(token);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b) ? challenge : null;
  }
  /** Files a customer's message: on their open job, as a new customer-reported one, or as a follow-up (see inbound.ts). */
  receiveMessage(input: InboundInput): InboundMessage {
    return this.#inbox.receive(input);
  }
  /** The messages a customer sent in, those filed on one job, or those of one outcome (unknown senders); newest first. */
  inboundMessages(filter: {
    customerId?: string;
    workOrderId?: string;
    outcome?: InboundOutcome;
    limit?: number;
  }): InboundMessage[] {
    if (filter.workOrderId) this.#stores.orders.require(filter.workOrderId);
    return this.#stores.inbound.list(filter);
  }
}
