import type { SqlDb } from '../sql/sql-db.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { CatalogueStore } from './catalogue/store.ts';
import { Contacts } from './customers/contacts.ts';
import { FollowUps } from './customers/follow-ups.ts';
import { InboundMessages } from './customers/inbound.ts';
import { Registry } from './customers/registry.ts';
import { Surveys } from './customers/surveys.ts';
import { TrackingLinks } from './customers/tracking-links.ts';
import { openServiceDb } from './db.ts';
import { Network } from './network/store.ts';
import { Notifier, type NotifierOptions } from './notifications/notifier.ts';
import { InstallationStore } from './installation/store.ts';
import { BillingStore } from './billing/store.ts';
import { MaintenanceStore } from './maintenance/store.ts';
import { TermsStore } from './warranty/terms.ts';
import { Checklists } from './work-orders/checklist.ts';
import { DispatchFences } from './work-orders/fences.ts';
import { WorkOrderStore } from './work-orders/store.ts';

/**
 * Every store of the service domain over one connection (SQLite, or PostgreSQL with DATABASE_URL), opened together and closed
 * together: a started domain has all of them, a stopped one none, so no part checks each store.
 */
export interface ServiceStores {
  db: SqlDb;
  /** Product models, every version of each (catalogue/). */
  catalogue: CatalogueStore;
  registry: Registry;
  contacts: Contacts;
  orders: WorkOrderStore;
  /** Each job's checklist (work-orders/checklist.ts). */
  checklists: Checklists;
  /** Devices installed through Purna and their commissioning (installation/). */
  installations: InstallationStore;
  /** Maintenance plans, running hours, services done, the maintenance each visit carries (maintenance/). */
  maintenance: MaintenanceStore;
  /** Part prices, labour rates, quotes (billing/). */
  billing: BillingStore;
  /** Warranty and contract terms, and what covers a device when (warranty/). */
  terms: TermsStore;
  network: Network;
  surveys: Surveys;
  /** The customers' tracking links (one per job and contact). */
  links: TrackingLinks;
  /** The planner's follow-up tasks (a low rating, "not fixed", a message no job fits). */
  followUps: FollowUps;
  /** What customers sent in (e-mail replies, WhatsApp), each once. */
  inbound: InboundMessages;
  /** The newest lease revision each analytics partition dispatched under (work-orders/fences.ts). */
  fences: DispatchFences;
  /** The notifications outbox (rows written in the caller's transaction, delivered by its own loop). */
  notifier: Notifier;
}

export interface StoresOptions {
  dbPath: string;
  /** PostgreSQL instead of the file (DATABASE_URL). */
  databaseUrl?: string;
  log: Logger;
  clock: Clock;
  notifier: Omit<NotifierOptions, 'db' | 'log' | 'clock' | 'linkUrl'>;
  /** The key tracking-link tokens are derived with (see customers/tracking-links.ts). */
  linkKey: Buffer;
  /** Base of the tracking page's URL, asked at each sending (the dashboard's address may be known only once it listens); the token is appended. */
  trackingBaseUrl: () => string;
}

/** Opens the service store (migrations applied) and builds the stores over it. */
export function openServiceStores(opts: StoresOptions): ServiceStores {
  const db = openServiceDb(opts.dbPath, opts.databaseUrl);
  const catalogue = new CatalogueStore(db);
  const links = new TrackingLinks(db, opts.linkKey);
  return {
    db,
    catalogue,
    registry: new Registry(db, () => opts.clock.nowMs(), catalogue),
    contacts: new Contacts(db),
    orders: new WorkOrderStore(db),
    checklists: new Checklists(db),
    installations: new InstallationStore(db),
    maintenance: new MaintenanceStore(db),
    billing: new BillingStore(db),
    terms: new TermsStore(db, catalogue),
    network: new Network(db),
    surveys: new Surveys(db),
    links,
    followUps: new FollowUps(db),
    fences: new DispatchFences(db),
    inbound: new InboundMessages(db),
    notifier: new Notifier({
      db,
      log: opts.log.child({ module: 'notifier' }),
      clock: opts.clock,
      ...opts.notifier,
      linkUrl: (id) => `${opts.trackingBaseUrl()}${links.tokenOf(id)}`,
    }),
  };
}
