import type { Clock } from '../core/clock.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import type { InboundSecrets } from './customers/room.ts';
import type { NoticeKind, NotifierOptions, PublishFn, WebhookConfig } from './notifications/notifier.ts';

/** What the service domain is started with (app.ts builds it from the config; tests from their own). */
export interface ServiceOptions {
  bus: EventBus;
  log: Logger;
  clock?: Clock;
  /** SQLite file of the service data, e.g. data/service.db, or ':memory:'. */
  dbPath: string;
  /** PostgreSQL URL (DATABASE_URL): the service data there, shared by every worker, instead of dbPath. */
  databaseUrl?: string;
  /** MQTT publish for the technicians' field apps (`purna/v1/technicians/{id}/dispatch`); optional. */
  publish?: PublishFn;
  /** CRM/ERP webhooks to configure at start (URL + secret from the environment, never the repo). */
  webhooks?: WebhookConfig[];
  /** Base of the customer survey link; the token is appended. Default '/api/surveys/'. */
  surveyBaseUrl?: string;
  /** Assign a technician and reserve the part as soon as a work order opens. Default true. */
  autoDispatch?: boolean;
  /** Notification retry tuning and the customer channels (see Notifier); tests set pollIntervalMs 0 and drive processDue(). */
  notifier?: Omit<NotifierOptions, 'db' | 'log' | 'clock' | 'publish' | 'linkUrl'>;
  /** Base of the customers' tracking page, asked whenever a message is sent; the token is appended. Default '/api/track/'. */
  trackingBaseUrl?: () => string;
  /**
   * The key tracking-link tokens are derived with, at least 32 bytes (app.ts keeps it in the data
   * dir; see customers/tracking-links.ts). Default: a random key, so links die with the process.
   */
  linkKey?: Buffer;
  /** The approved WhatsApp template of each notice kind (PURNA_WHATSAPP_TEMPLATES). */
  whatsappTemplates?: Readonly<Record<NoticeKind, string>>;
  /** The secrets inbound customer messages (WhatsApp webhook, e-mail relay) are checked with; unset, those endpoints answer 503. */
  inbound?: InboundSecrets;
  /** How often the maintenance pass plans the visits due, ms (real time). Default an hour; 0 = never by itself (tests call planDue()). */
  maintenanceIntervalMs?: number;
  /** How often active jobs are checked against their SLA deadlines, ms (real time). Default 60 s; 0 = never by itself (tests call checkSla()). */
  slaCheckIntervalMs?: number;
}
