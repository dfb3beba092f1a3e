import { systemClock, type Clock } from '../core/clock.ts';
import { type Running, startService, stopService } from './assembly.ts';
import type { BillingRoom } from './billing/room.ts';
import type { CatalogueRoom } from './catalogue/room.ts';
import type { CustomersRoom } from './customers/room.ts';
import type { InstallationRoom } from './installation/room.ts';
import type { KpisRoom } from './kpis/room.ts';
import type { MaintenanceRoom } from './maintenance/room.ts';
import type { NetworkRoom } from './network/room.ts';
import type { NotificationsRoom } from './notifications/room.ts';
import type { ServiceOptions } from './options.ts';
import type { ServiceStores } from './stores.ts';
import type { WarrantyRoom } from './warranty/room.ts';
import type { WorkOrdersRoom } from './work-orders/room.ts';

export * from './types.ts';
export type { PublishFn, WebhookConfig } from './notifications/notifier.ts';
export type { ServiceKpis } from './kpis/kpis.ts';
export type { ImportKind, ImportResult } from './csv-import.ts';
export type { CatalogueImportResult, SavedModel } from './catalogue/catalogue.ts';
export type { ModelHistoryEntry } from './catalogue/store.ts';
export type { ContactInput } from './customers/contact-fields.ts';
export type { CustomerRecord, Rating } from './customers/customer-record.ts';
export type { HistoricalWorkOrder } from './work-orders/history-import.ts';
export type { TransitionInput } from './work-orders/lifecycle.ts';
export type { ChecklistEntry, ChecklistRecord } from './work-orders/checklist.ts';
export type { NewJobInput } from './work-orders/commands.ts';
export type { ServiceOptions } from './options.ts';
export type {
  BillingRoom,
  CatalogueRoom,
  CustomersRoom,
  InstallationRoom,
  KpisRoom,
  MaintenanceRoom,
  NetworkRoom,
  NotificationsRoom,
  WarrantyRoom,
  WorkOrdersRoom,
};
export { DEFAULT_LEAD_TIME_MS } from './work-orders/store.ts';

/**
 * The after-sales service domain: owns the service store and turns analytics' dispatch
 * requests into work orders. The facade every caller uses: it starts and stops the parts and
 * exposes one object per room (`service.workOrders`, `.network`, `.customers`, `.installation`,
 * `.maintenance`, `.billing`, `.warranty`,
 * `.notifications`, `.catalogue`, `.kpis`); a caller — a route, app.ts, a test — calls a room's
 * method, and the room hands it to the part that does the work. A new capability is a method on
 * its room's `room.ts`, not on this class. Every work-order change goes out on the bus as
 * `workOrder` with the full record, so the dashboard and its technician rooms never poll.
 */
export class ServiceDomain {
  readonly #opts: ServiceOptions;
  readonly #clock: Clock;
  #running: Running | null = null;

  constructor(opts: ServiceOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  start(): void {
    if (!this.#running) this.#running = startService(this.#opts, this.#clock);
  }

  stop(): void {
    if (!this.#running) return;
    stopService(this.#running, this.#opts.log);
    this.#running = null;
  }

  /** The domain's clock (routes use it for defaults so tests with a manual clock stay consistent). */
  nowMs(): number {
    return this.#clock.nowMs();
  }

  // ── the rooms (each room's room.ts) ──────────────────────────────────────

  /** Work orders: reads, commands (one transaction each, then the bus), history import, backlog sweep, SLA check. */
  get workOrders(): WorkOrdersRoom {
    return this.#run().workOrders;
  }
  /** Technicians, depots, stock and their CSV import: a change may staff or supply waiting jobs. */
  get network(): NetworkRoom {
    return this.#run().network;
  }
  /** Customers, sites, devices, contacts, the customer record, surveys; devices' and contacts' CSV import. */
  get customers(): CustomersRoom {
    return this.#run().customers;
  }
  /** Webhooks, the delivery log, the notices a job's customer contacts were sent. */
  get notifications(): NotificationsRoom {
    return this.#run().notifications;
  }
  /** Product models: every change a new version, then `catalogueChanged`; which model a device is. */
  get catalogue(): CatalogueRoom {
    return this.#run().catalogue;
  }
  /** KPIs of a period and their trend. */
  get kpis(): KpisRoom {
    return this.#run().kpis;
  }
  /** Installing devices: the commissioning job, the warranty from commissioning. */
  get installation(): InstallationRoom {
    return this.#run().installation;
  }
  /** Maintenance plans per model and device, running hours, next due dates, the visits due. */
  get maintenance(): MaintenanceRoom {
    return this.#run().maintenance;
  }
  /** Part prices, labour rates, quotes for paid work and the customer's decision on them. */
  get billing(): BillingRoom {
    return this.#run().billing;
  }
  /** Warranty and contract terms, coverage, warranty claims. */
  get warranty(): WarrantyRoom {
    return this.#run().warranty;
  }
  /** The stores themselves, for the demo seed and tests only: routes and parts go through the rooms. */
  get stores(): ServiceStores {
    return this.#run().stores;
  }

  #run(): Running {
    if (!this.#running) throw new Error('ServiceDomain not started');
    return this.#running;
  }
}
