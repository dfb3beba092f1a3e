// The work-orders room as callers see it (`service.workOrders`): the reads, the commands, history
// import, the backlog sweep and the SLA check. Each method hands the call to the part that does
// the work (commands.ts, the store, planning/sla-watch.ts); nothing here touches the bus itself.

import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { DispatchCancel, DispatchRequest, FailureMode } from '../../core/types.ts';
import { inTransaction } from '../db.ts';
import type { SlaWatch } from '../planning/sla-watch.ts';
import type { ServiceStores } from '../stores.ts';
import type { ServiceWorkOrder, WorkOrderEvent, WorkOrderFilter } from '../types.ts';
import type { ChecklistEntry, ChecklistRecord } from './checklist.ts';
import type { NewJobInput, WorkOrderCommands } from './commands.ts';
import type { Attachment, AttachmentKind, FieldWork, PartUsedInput } from './field-work.ts';
import { importHistory, type HistoricalWorkOrder } from './history-import.ts';
import type { TransitionInput } from './lifecycle.ts';

export interface WorkOrdersRoomOptions {
  stores: ServiceStores;
  commands: WorkOrderCommands;
  slaWatch: SlaWatch;
  /** Parts used, photos and signatures (field-work.ts). */
  fieldWork: FieldWork;
  log: Logger;
  clock: Clock;
}

export class WorkOrdersRoom {
  readonly #o: WorkOrdersRoomOptions;

  constructor(opts: WorkOrdersRoomOptions) {
    this.#o = opts;
  }

  listWorkOrders(filter?: WorkOrderFilter): ServiceWorkOrder[] {
    return this.#o.stores.orders.list(filter);
  }
  getWorkOrder(id: string): ServiceWorkOrder | undefined {
    return this.#o.stores.orders.get(id);
  }
  workOrderHistory(id: string): WorkOrderEvent[] {
    const { orders } = this.#o.stores;
    return orders.history(orders.require(id).id);
  }

  /**
   * Loads finished jobs from before Purna (a legacy system's records, the demo's past) with
   * their own timestamps, all or nothing; returns the new ids. No bus events, notifications or
   * stock movements: see history-import.ts for why.
   */
  importHistory(entries: readonly HistoricalWorkOrder[]): string[] {
    const { stores } = this.#o;
    const ids = inTransaction(stores.db, () => importHistory(stores, entries));
    this.#o.log.info({ imported: ids.length }, 'service history imported');
    return ids;
  }

  /** Opens a work order for a dispatch request, or escalates the active one (see WorkOrderCommands). */
  handleDispatch(req: DispatchRequest): { order: ServiceWorkOrder; created: boolean } {
    return this.#o.commands.handleDispatch(req);
  }
  /** Analytics withdrew its request: cancels the job while nobody has set off. */
  handleDispatchCancel(c: DispatchCancel): ServiceWorkOrder | null {
    return this.#o.commands.handleDispatchCancel(c);
  }
  /** A planner opens a job by hand: a customer's report (default) or planned work (jobType); planned like an analytics one. */
  createWorkOrder(input: NewJobInput): ServiceWorkOrder {
    return this.#o.commands.create(input);
  }
  /** The job's checklist, per device, with what was recorded. */
  workOrderChecklist(id: string): ChecklistEntry[] {
    const { orders, checklists } = this.#o.stores;
    return checklists.list(orders.require(id).id);
  }
  /** Records one checklist item (a check, a reading) on an active job; a reading outside its range is kept and blocks the resolution. */
  recordChecklistItem(
    id: string,
    record: ChecklistRecord,
    by: string,
  ): { item: ChecklistEntry; workOrder: ServiceWorkOrder } {
    return this.#o.fieldWork.recordChecklistItem(id, record, by);
  }
  /** Parts fitted on site leave the stock they came from (see FieldWork.usePart). */
  usePart(id: string, input: PartUsedInput, actor: string): ServiceWorkOrder {
    return this.#o.fieldWork.usePart(id, input, actor);
  }
  /** A photo or the customer's signature kept with the job. */
  addAttachment(
    id: string,
    input: { kind: AttachmentKind; contentType: string; bytes: Buffer; signedBy?: string },
    actor: string,
  ): { attachment: Attachment; workOrder: ServiceWorkOrder } {
    return this.#o.fieldWork.addAttachment(id, input, actor);
  }
  /** The customer's tracking link for a resolved job, to hand over on site. */
  customerLink(id: string): { url: string; contactName: string } {
    return this.#o.fieldWork.customerLink(id);
  }
  attachments(id: string): Attachment[] {
    return this.#o.fieldWork.attachments(this.#o.stores.orders.require(id).id);
  }
  attachmentFile(id: string, attachmentId: number): Attachment & { bytes: Buffer } {
    return this.#o.fieldWork.attachmentFile(this.#o.stores.orders.require(id).id, attachmentId);
  }
  /** Re-runs the dispatcher on an open work order (after a decline, or when technicians come on shift). */
  dispatch(id: string, opts: { version?: number; actor: string }): ServiceWorkOrder {
    return this.#o.commands.dispatch(id, opts);
  }
  /** A planner gives an assigned job to another technician (version-checked). */
  reassign(
    id: string,
    input: { technicianId: string; version?: number; actor: string; note?: string },
  ): ServiceWorkOrder {
    return this.#o.commands.reassign(id, input);
  }
  /** A note on the work order's record; no version bump. */
  addWorkOrderNote(id: string, input: { actor: string; note: string }): WorkOrderEvent {
    const { stores, clock } = this.#o;
    return inTransaction(stores.db, () => stores.orders.addNote(id, input.actor, clock.nowMs(), input.note));
  }
  /** What a customer-reported job turned out to be (see WorkOrderCommands.diagnose). */
  diagnose(id: string, input: { mode: FailureMode; version?: number; actor: string; note?: string }): ServiceWorkOrder {
    return this.#o.commands.diagnose(id, input);
  }
  /** A lifecycle step requested by a person or API client. Throws ServiceError 400/404/409. */
  transition(id: string, input: TransitionInput): ServiceWorkOrder {
    return this.#o.commands.transition(id, input);
  }
  /** Staffs or supplies work waiting on the network; runs after a job frees a technician and after stock or technicians change. */
  sweepBacklog(): ServiceWorkOrder[] {
    return this.#o.commands.sweepBacklog();
  }
  /** One pass of the SLA watch (it runs every minute by itself); returns the jobs it marked. */
  checkSla(): ServiceWorkOrder[] {
    return this.#o.slaWatch.check();
  }
  /** The lead time analytics should dispatch ahead of a forecast failure (see WorkOrderStore.currentLeadTimeMs). */
  currentLeadTimeMs(): number {
    return this.#o.stores.orders.currentLeadTimeMs();
  }
}
