// Installing a device (issue 19, item 2): the device is registered at its site with no warranty
// yet and its commissioning job opens, with the model's commissioning checklist (the acceptance
// readings among it). When that job resolves, every required item done and each reading within
// its range, the device is commissioned: its install date is that day, its warranty runs from it,
// and analytics hears `baselineReset` so it learns this machine's normal from a machine accepted
// as sound, not from whatever ran before.

import type { EventBus } from '../../core/event-bus.ts';
import { isActive } from '../../core/work-order-states.ts';
import { addMonths } from '../calendar.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import { conflict, notFound, type ContractTier, type DeviceRecord, type ServiceWorkOrder } from '../types.ts';
import type { ResolutionHook, WorkOrderCommands } from '../work-orders/commands.ts';
import type { Installation } from './store.ts';

export interface InstallInput {
  modelId: string;
  siteId: string;
  serial?: string;
  contractTier?: ContractTier;
  note?: string;
}

export interface InstallationOptions {
  stores: ServiceStores;
  bus: EventBus;
  /** The warranty a device of this model and tier gets from commissioning, months (warranty/ terms; default the catalogue's). */
  warrantyMonthsOf: (modelId: string, tier: ContractTier) => number;
}

export class Installations {
  readonly #o: InstallationOptions;

  constructor(opts: InstallationOptions) {
    this.#o = opts;
  }

  /**
   * Registers the device at its site (no warranty until commissioned) and opens its
   * commissioning job, in one transaction. 409 while a commissioning job is under way or once
   * the device is commissioned through Purna.
   */
  install(
    commands: WorkOrderCommands,
    deviceId: string,
    input: InstallInput,
    actor: string,
    nowMs: number,
  ): { device: DeviceRecord; workOrder: ServiceWorkOrder; installation: Installation } {
    const { stores } = this.#o;
    return inTransaction(stores.db, () => {
      const before = stores.installations.get(deviceId);
      if (before?.commissionedAtMs != null)
        throw conflict(`device ${deviceId} was commissioned already (work order ${before.workOrderId})`);
      const job = before ? stores.orders.get(before.workOrderId) : undefined;
      if (job && isActive(job.state))
        throw conflict(`device ${deviceId} has its commissioning job ${job.id} under way`);
      if (!stores.registry.getSite(input.siteId)) throw notFound('site', input.siteId);
      // Not under warranty until commissioned: a job before then is not covered.
      stores.registry.upsertDevices([
        {
          deviceId,
          modelId: input.modelId,
          siteId: input.siteId,
          serial: input.serial,
          contractTier: input.contractTier,
          installDateMs: nowMs,
          warrantyEndMs: nowMs - 1,
        },
      ]);
      const workOrder = commands.createWith(
        { deviceId, jobType: 'installation', actor, note: input.note, source: 'installation' },
        (opened) => stores.installations.save(deviceId, opened.id, actor, nowMs),
      );
      return {
        device: stores.registry.getDevice(deviceId)!,
        workOrder,
        installation: stores.installations.get(deviceId)!,
      };
    });
  }

  /**
   * A resolved installation job commissions its device (inside the resolution's transaction):
   * install date and warranty from now, the acceptance readings kept; after the commit,
   * analytics restarts the device's baseline.
   */
  readonly onResolved: ResolutionHook = (order, nowMs) => {
    if (order.jobType !== 'installation') return undefined;
    const { stores, bus, warrantyMonthsOf } = this.#o;
    const device = stores.registry.getDevice(order.deviceId);
    if (!device) return undefined;
    const acceptance: Record<string, number> = {};
    for (const e of stores.checklists.list(order.id))
      if (e.reading && e.value !== null && e.deviceId === order.deviceId) acceptance[e.reading.metric] = e.value;
    stores.registry.upsertDevices([
      {
        deviceId: device.id,
        modelId: device.modelId,
        installDateMs: nowMs,
        warrantyEndMs: addMonths(nowMs, warrantyMonthsOf(device.modelId, device.contractTier)),
      },
    ]);
    if (!stores.installations.byWorkOrder(order.id))
      stores.installations.save(device.id, order.id, 'planner', order.createdAtMs);
    stores.installations.commissioned(device.id, nowMs, acceptance);
    return () => bus.emit('baselineReset', { deviceId: device.id, mode: 'commissioning', tsMs: nowMs });
  };
}
