// The maintenance room as callers see it (`service.maintenance`): plans per model and per device,
// where a device stands against its plan, and the pass that plans the visits due.

import type { Clock } from '../../core/clock.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import { badRequest, notFound, requireFound, type ServiceWorkOrder } from '../types.ts';
import type { WorkOrderCommands } from '../work-orders/commands.ts';
import type { DeviceMaintenance, Maintenance } from './maintenance.ts';
import type { RunningHours } from './running-hours.ts';
import type { MaintenancePlan, PlanInput } from './store.ts';

export class MaintenanceRoom {
  readonly #stores: ServiceStores;
  readonly #maintenance: Maintenance;
  readonly #running: RunningHours;
  readonly #commands: WorkOrderCommands;
  readonly #clock: Clock;

  constructor(
    stores: ServiceStores,
    maintenance: Maintenance,
    running: RunningHours,
    commands: WorkOrderCommands,
    clock: Clock,
  ) {
    this.#stores = stores;
    this.#maintenance = maintenance;
    this.#running = running;
    this.#commands = commands;
    this.#clock = clock;
  }

  listPlans(): MaintenancePlan[] {
    return this.#stores.maintenance.listPlans();
  }
  /** Every device of the model (without an override of its own) follows this plan; 404 for a model the catalogue lacks. */
  saveModelPlan(modelId: string, input: PlanInput, by: string): MaintenancePlan {
    checkPlan(input);
    if (!this.#stores.catalogue.current(modelId)) throw notFound('product model', modelId);
    return inTransaction(this.#stores.db, () =>
      this.#stores.maintenance.savePlan({ modelId }, input, by, this.#clock.nowMs()),
    );
  }
  /** The device's own plan, over its model's. */
  saveDevicePlan(deviceId: string, input: PlanInput, by: string): MaintenancePlan {
    checkPlan(input);
    requireFound(this.#stores.registry.getDevice(deviceId), 'device', deviceId);
    return inTransaction(this.#stores.db, () =>
      this.#stores.maintenance.savePlan({ deviceId }, input, by, this.#clock.nowMs()),
    );
  }
  /** Drops a device's override: its model's plan holds again. */
  deleteDevicePlan(deviceId: string): void {
    if (!inTransaction(this.#stores.db, () => this.#stores.maintenance.deletePlan(`device:${deviceId}`)))
      throw notFound('maintenance plan of device', deviceId);
  }
  /** Where the device stands: its plan, running hours, last service, next due date, the visit under way. */
  deviceMaintenance(deviceId: string): DeviceMaintenance {
    const device = requireFound(this.#stores.registry.getDevice(deviceId), 'device', deviceId);
    return this.#maintenance.of(device, this.#clock.nowMs());
  }
  /** Plans the visits due now (it runs every hour by itself); returns the jobs opened or joined. */
  planDue(): ServiceWorkOrder[] {
    return this.#maintenance.planDue(this.#commands, this.#clock.nowMs());
  }
  /** Writes the running-hours counters (the pass does it, and stop). */
  flushRunningHours(): void {
    inTransaction(this.#stores.db, () => this.#running.flush());
  }
}

/** Both intervals positive whole numbers when given, and at least one of them (400 naming the field). */
function checkPlan(p: PlanInput): void {
  if (p.intervalDays == null && p.intervalRunningHours == null)
    throw badRequest('intervalDays: a plan needs intervalDays or intervalRunningHours (or both)');
}
