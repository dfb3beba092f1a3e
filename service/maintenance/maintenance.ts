// Planned maintenance ("servis berkala", issue 19, item 3). A device's plan is its own override,
// else its model's plan, else the catalogue's service interval for the model; by calendar days
// and/or running hours, whichever comes first, counted from the device's last service (or its
// installation). A pass (hourly, and on demand) finds the devices within their lead of a due
// date and plans one visit per site for them: merged into a repair already planned at one of
// them (no second visit), else one planned-maintenance job on the earliest due device that
// carries the others' checklists too. Resolving the visit records each device's service.

import { FAILURE_JOB_TYPES, type JobType } from '../../core/job-types.ts';
import { checklistFor } from '../../core/product-catalogue.ts';
import { ACTIVE_STATES } from '../../core/work-order-states.ts';
import { DAY_MS, HOUR_MS } from '../calendar.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import type { DeviceRecord, ServiceWorkOrder } from '../types.ts';
import type { ResolutionHook, WorkOrderCommands } from '../work-orders/commands.ts';
import type { RunningHours } from './running-hours.ts';
import type { MaintenanceItem, MaintenancePlan } from './store.ts';

/** Where the catalogue's interval applies, a visit is planned this long before its calendar date. */
export const DEFAULT_LEAD_DAYS = 14;
const SYSTEM = 'system:maintenance';

/** The plan that holds for a device, and where it comes from. */
export interface EffectivePlan {
  source: 'device' | 'model' | 'catalogue';
  intervalDays: number | null;
  intervalRunningHours: number | null;
  leadDays: number;
  /** Running hours before the due count at which a visit is planned (default a tenth of the interval). */
  leadRunningHours: number | null;
}

/** Where a device stands against its plan. */
export interface DeviceMaintenance {
  deviceId: string;
  plan: EffectivePlan | null;
  /** Counted from analytics' running state since Purna heard the device. */
  runningHours: number;
  /** The last service (or the installation, before any). */
  sinceMs: number;
  sinceRunningHours: number;
  lastServiceWorkOrderId: string | null;
  /** Calendar due date; null without a calendar interval. */
  dueAtMs: number | null;
  /** Running-hours count at which it is due; null without a running-hours interval. */
  dueRunningHours: number | null;
  /**
   * The next due date: the calendar one, or sooner the running-hours one projected at the rate
   * the device has run since its last service (null until it has run).
   */
  nextDueAtMs: number | null;
  /** Within its lead of a due date: a visit is (or will be at the next pass) planned. */
  dueNow: 'calendar' | 'running_hours' | null;
  /** The job whose visit carries its maintenance, while under way. */
  openVisitWorkOrderId: string | null;
}

export interface MaintenanceOptions {
  stores: ServiceStores;
  running: RunningHours;
}

const hours = (ms: number) => Math.round((ms / HOUR_MS) * 10) / 10;

export class Maintenance {
  readonly #o: MaintenanceOptions;

  constructor(opts: MaintenanceOptions) {
    this.#o = opts;
  }

  effectivePlan(device: DeviceRecord): EffectivePlan | null {
    const { maintenance, catalogue } = this.#o.stores;
    const own = maintenance.plan(`device:${device.id}`) ?? maintenance.plan(`model:${device.modelId}`);
    if (own) return fromPlan(own);
    const interval = catalogue.current(device.modelId)?.serviceInterval;
    if (!interval || (interval.days === undefined && interval.runningHours === undefined)) return null;
    return {
      source: 'catalogue',
      intervalDays: interval.days ?? null,
      intervalRunningHours: interval.runningHours ?? null,
      leadDays: DEFAULT_LEAD_DAYS,
      leadRunningHours: null,
    };
  }

  of(device: DeviceRecord, nowMs: number): DeviceMaintenance {
    const { maintenance, installations } = this.#o.stores;
    const plan = this.effectivePlan(device);
    const runningMs = this.#o.running.runningMs(device.id);
    const last = maintenance.lastService(device.id);
    // Without a service on record: from its installation, or from when Purna first heard of it if
    // later — a fleet imported with years-old install dates is not all due on the first pass.
    const sinceMs = last?.doneAtMs ?? Math.max(device.installDateMs, maintenance.registeredAt(device.id) ?? 0);
    const sinceRunningMs = last?.doneRunningMs ?? 0;
    const open = maintenance.openItemOf(device.id);
    const base: DeviceMaintenance = {
      deviceId: device.id,
      plan,
      runningHours: hours(runningMs),
      sinceMs,
      sinceRunningHours: hours(sinceRunningMs),
      lastServiceWorkOrderId: last?.workOrderId ?? null,
      dueAtMs: null,
      dueRunningHours: null,
      nextDueAtMs: null,
      dueNow: null,
      openVisitWorkOrderId: open?.workOrderId ?? null,
    };
    // A device installed through Purna and not yet commissioned has no service due.
    const inst = installations.get(device.id);
    if (!plan || (inst && inst.commissionedAtMs === null)) return base;
    let nextDueAtMs: number | null = null;
    let dueNow: DeviceMaintenance['dueNow'] = null;
    if (plan.intervalDays !== null) {
      base.dueAtMs = sinceMs + plan.intervalDays * DAY_MS;
      nextDueAtMs = base.dueAtMs;
      if (nowMs >= base.dueAtMs - plan.leadDays * DAY_MS) dueNow = 'calendar';
    }
    if (plan.intervalRunningHours !== null) {
      const dueRunningMs = sinceRunningMs + plan.intervalRunningHours * HOUR_MS;
      base.dueRunningHours = hours(dueRunningMs);
      const leadMs = (plan.leadRunningHours ?? plan.intervalRunningHours / 10) * HOUR_MS;
      if (runningMs >= dueRunningMs - leadMs) dueNow ??= 'running_hours';
      const ranMs = runningMs - sinceRunningMs;
      if (ranMs > 0 && nowMs > sinceMs) {
        const projected = nowMs + Math.max(0, dueRunningMs - runningMs) * ((nowMs - sinceMs) / ranMs);
        nextDueAtMs = nextDueAtMs === null ? projected : Math.min(nextDueAtMs, projected);
      }
    }
    base.nextDueAtMs = nextDueAtMs === null ? null : Math.round(nextDueAtMs);
    base.dueNow = dueNow;
    return base;
  }

  /**
   * Plans the visits due now: per site, the devices within their lead of a due date and not in a
   * visit already. Returns the jobs opened or joined.
   */
  planDue(commands: WorkOrderCommands, nowMs: number): ServiceWorkOrder[] {
    const { stores, running } = this.#o;
    inTransaction(stores.db, () => running.flush());
    const due = stores.registry
      .listDevices()
      .filter((d) => d.siteId !== null)
      .map((d) => ({ device: d, state: this.of(d, nowMs) }))
      .filter((x) => x.state.dueNow !== null && x.state.openVisitWorkOrderId === null);
    const bySite = new Map<string, typeof due>();
    for (const x of due) bySite.set(x.device.siteId!, [...(bySite.get(x.device.siteId!) ?? []), x]);
    const out: ServiceWorkOrder[] = [];
    for (const [, group] of [...bySite].sort(([a], [b]) => a.localeCompare(b))) {
      group.sort(
        (a, b) => (earliest(a.state) ?? 0) - (earliest(b.state) ?? 0) || a.device.id.localeCompare(b.device.id),
      );
      const visit = this.#visitToJoin(group.map((x) => x.device.id));
      const items = (workOrderId: string, merged: boolean) =>
        group.map(
          (x): Omit<MaintenanceItem, 'doneAtMs' | 'doneRunningMs'> => ({
            workOrderId,
            deviceId: x.device.id,
            dueAtMs: x.state.dueAtMs,
            dueRunningMs: x.state.dueRunningHours === null ? null : Math.round(x.state.dueRunningHours * HOUR_MS),
            reason: x.state.dueNow!,
            merged,
            createdAtMs: nowMs,
          }),
        );
      const note = `planned maintenance: ${group.map((x) => `${x.device.id} (${describeDue(x.state)})`).join(', ')}`;
      if (visit) {
        inTransaction(stores.db, () => {
          for (const item of items(visit.id, true)) this.#attach(item, visit);
          stores.orders.addNote(visit.id, SYSTEM, nowMs, `${note}: on this visit, not a second one`);
        });
        out.push(stores.orders.require(visit.id));
        continue;
      }
      const first = group[0];
      out.push(
        commands.createWith(
          {
            deviceId: first.device.id,
            jobType: 'planned_maintenance',
            actor: SYSTEM,
            source: 'maintenance',
            note,
            dueAtMs: earliest(first.state),
          },
          (opened) => {
            for (const item of items(opened.id, false)) this.#attach(item, opened);
          },
        ),
      );
    }
    return out;
  }

  /** A resolved job that carried maintenance records each device's service (a planned-maintenance job opened by hand, its own device's). */
  readonly onResolved: ResolutionHook = (order, nowMs) => {
    const { maintenance } = this.#o.stores;
    const items = maintenance.itemsOf(order.id);
    if (items.length === 0 && order.jobType !== 'planned_maintenance') return undefined;
    if (items.length === 0)
      maintenance.addItem({
        workOrderId: order.id,
        deviceId: order.deviceId,
        dueAtMs: order.slaRespondByMs,
        dueRunningMs: null,
        reason: 'calendar',
        merged: false,
        createdAtMs: order.createdAtMs,
      });
    maintenance.complete(order.id, nowMs, (id) => this.#o.running.runningMs(id));
    return undefined;
  };

  /** An active repair (or maintenance) job at one of the devices: the visit the others' maintenance rides on. */
  #visitToJoin(deviceIds: readonly string[]): ServiceWorkOrder | undefined {
    const { orders } = this.#o.stores;
    const join: JobType[] = [...FAILURE_JOB_TYPES, 'planned_maintenance'];
    const active = deviceIds.flatMap((deviceId) => orders.list({ deviceId, state: [...ACTIVE_STATES], jobType: join }));
    // A repair first: it is the visit that happens anyway.
    return active.find((w) => w.jobType !== 'planned_maintenance') ?? active[0];
  }

  #attach(item: Omit<MaintenanceItem, 'doneAtMs' | 'doneRunningMs'>, visit: ServiceWorkOrder): void {
    const { maintenance, checklists, registry, catalogue } = this.#o.stores;
    maintenance.addItem(item);
    const model = catalogue.current(registry.modelIdOf(item.deviceId) ?? '');
    // The job's own device got its checklist when it opened (a planned-maintenance job); others now.
    if (model && !(visit.jobType === 'planned_maintenance' && visit.deviceId === item.deviceId))
      checklists.add(visit.id, item.deviceId, checklistFor(model, 'planned_maintenance'));
  }
}

function fromPlan(p: MaintenancePlan): EffectivePlan {
  return {
    source: p.deviceId ? 'device' : 'model',
    intervalDays: p.intervalDays,
    intervalRunningHours: p.intervalRunningHours,
    leadDays: p.leadDays,
    leadRunningHours: p.leadRunningHours,
  };
}

function earliest(s: DeviceMaintenance): number | null {
  return s.nextDueAtMs ?? s.dueAtMs;
}

function describeDue(s: DeviceMaintenance): string {
  if (s.dueNow === 'running_hours') return `${s.runningHours} of ${s.dueRunningHours} running hours`;
  return `due ${new Date(s.dueAtMs!).toISOString().slice(0, 10)}`;
}
