// The dispatcher: plans a work order (spare part at the nearest depot with stock, then the
// technician who can be on site first) and sweeps the backlog of jobs waiting on the network.
// Writes the plan, reservations and outbox rows inside the caller's transaction and returns the
// changes; the caller owns the transaction and tells the bus.

import { partsFor } from '../../core/product-catalogue.ts';
import { statesBefore } from '../../core/work-order-states.ts';
import type { ServiceStores } from '../stores.ts';
import type { DispatchPlan, ServiceWorkOrder } from '../types.ts';
import type { Change, Lifecycle } from '../work-orders/lifecycle.ts';
import type { WorkOrderPatch } from '../work-orders/store.ts';
import { depotOptions, rankTechnicians } from './planner.ts';

/** Actor name of the dispatcher's changes in the work-order history. */
const DISPATCHER = 'system:dispatcher';
/** Waiting jobs looked at per backlog sweep: bounds the work one resolution can trigger. */
const BACKLOG_SWEEP_MAX = 50;

type Site = { lat: number | null; lon: number | null };
type Part = { sku: string; name: string };

export class Dispatcher {
  readonly #s: ServiceStores;
  readonly #lifecycle: Lifecycle;

  constructor(stores: ServiceStores, lifecycle: Lifecycle) {
    this.#s = stores;
    this.#lifecycle = lifecycle;
  }

  /**
   * Plans an open work order: reserves the spare part at the nearest depot with stock (the
   * farther depots' longer lead times are stated; a backorder is flagged when none has it), then
   * assigns the best technician (see rankTechnicians). With nobody available the job stays
   * open with the reason in its plan.
   */
  plan(wo: ServiceWorkOrder, now: number): Change[] {
    const { registry, network, orders, catalogue } = this.#s;
    const device = registry.getDevice(wo.deviceId);
    const modelId = device?.modelId ?? 'unknown';
    const notes: string[] = [];
    // The model's current version: a part corrected in the catalogue since the job opened is the one to send.
    const model = device ? catalogue.current(modelId) : undefined;
    const listed = model ? partsFor(model, wo.mode)[0] : undefined;
    const part = listed ? { sku: listed.sku, name: listed.name } : null;
    const skill = model?.failureModes.find((f) => f.id === wo.mode)?.skill;
    const site = { lat: device?.lat ?? null, lon: device?.lon ?? null };
    if (!device) notes.push('device not in the registry: no site, no parts catalogue');
    else if (site.lat == null) notes.push('device has no site location: distances not considered');

    const partPlan = this.#planPart(wo, part, site, notes, now);
    const { depots, reservedAt, backorder } = partPlan;
    const patch: WorkOrderPatch = { ...partPlan.patch };
    if (!part && device) notes.push(`no spare part listed for ${wo.mode} on ${modelId}: inspection visit`);

    const ranked = device
      ? rankTechnicians(
          network.listTechnicians(),
          { modelId, mode: wo.mode, siteLat: site.lat, siteLon: site.lon },
          now,
        )
      : [];
    const best = ranked[0];
    if (!best) notes.push(`no active technician with capacity is skilled for ${wo.mode} on ${modelId}: left open`);
    else if (!best.onShift)
      notes.push(
        `nobody suitable on shift now: ${best.technician.id} can be on site in ${hours(best.etaMs)} (after their shift starts)`,
      );
    const plan: DispatchPlan = {
      plannedAtMs: now,
      ...(skill ? { skill } : {}),
      technician: best
        ? {
            id: best.technician.id,
            name: best.technician.name,
            distanceKm: round1(best.distanceKm),
            etaMs: best.etaMs,
            onShift: best.onShift,
            openJobs: best.technician.openJobs,
          }
        : null,
      technicianCandidates: ranked.length,
      part,
      depots,
      reservedAt,
      backorder,
      notes,
    };
    patch.plan_json = JSON.stringify(plan);
    patch.technician_eta_ms = best?.etaMs ?? null;
    if (!best) {
      return [
        {
          order: orders.patch(wo.id, patch, { actor: DISPATCHER, nowMs: now, note: notes.join('; ') }),
          prevTechnicianId: wo.technicianId ?? null,
        },
      ];
    }
    const planned = orders.patch(wo.id, patch, {
      actor: DISPATCHER,
      nowMs: now,
      note: `planned: ${best.technician.id}${reservedAt ? `, part at ${reservedAt}` : ''}`,
    });
    return [
      this.#lifecycle.apply(
        planned,
        { to: 'assigned', actor: DISPATCHER, technicianId: best.technician.id, note: notes.join('; ') || undefined },
        now,
      ),
    ];
  }

  /**
   * Work waiting on the network: open jobs the dispatcher could not staff (nobody skilled had
   * capacity) and jobs not yet on site whose part is backordered. Oldest first; a job is touched
   * only when the sweep can actually staff it or reserve its part, so waiting jobs do not churn
   * versions. Jobs a technician declined stay with the planner.
   */
  sweep(now: number): Change[] {
    const { registry, network, orders } = this.#s;
    const out: Change[] = [];
    const waiting = orders
      .list({ state: statesBefore('on_site') })
      .filter(
        (w) => (w.state === 'open' && w.plan !== null && w.plan.technician === null) || w.partStatus === 'backorder',
      )
      .sort((a, b) => a.createdAtMs - b.createdAtMs)
      .slice(0, BACKLOG_SWEEP_MAX);
    for (const wo of waiting) {
      const device = registry.getDevice(wo.deviceId);
      if (!device) continue;
      if (wo.state === 'open') {
        const ranked = rankTechnicians(
          network.listTechnicians(),
          { modelId: device.modelId, mode: wo.mode, siteLat: device.lat, siteLon: device.lon },
          now,
        );
        if (ranked.length) out.push(...this.plan(wo, now));
      } else if (wo.partSku && network.listInventory({ sku: wo.partSku }).some((i) => i.available > 0)) {
        const notes: string[] = [];
        const part = { sku: wo.partSku, name: wo.partName ?? wo.partSku };
        const p = this.#planPart(wo, part, { lat: device.lat, lon: device.lon }, notes, now);
        if (!p.reservedAt) continue;
        const plan: DispatchPlan = {
          ...(wo.plan ?? emptyPlan(now, part)),
          depots: p.depots,
          reservedAt: p.reservedAt,
          backorder: false,
          notes: [...(wo.plan?.notes ?? []), `part arrived: reserved at ${p.reservedAt}`, ...notes],
        };
        const order = orders.patch(
          wo.id,
          { ...p.patch, plan_json: JSON.stringify(plan) },
          { actor: DISPATCHER, nowMs: now, note: `backorder filled: ${wo.partSku} reserved at ${p.reservedAt}` },
        );
        out.push({ order, prevTechnicianId: wo.technicianId ?? null });
      }
    }
    return out;
  }

  /**
   * Reserves the spare part at the nearest depot with a free unit, unless one is already
   * reserved; none anywhere → backorder (a stock-out, counted once per job).
   */
  #planPart(wo: ServiceWorkOrder, part: Part | null, site: Site, notes: string[], now: number) {
    const { network, notifier } = this.#s;
    let depots: DispatchPlan['depots'] = [];
    let reservedAt: string | null = wo.partStatus === 'reserved' ? wo.partDepotId : null;
    let backorder = wo.partStatus === 'backorder';
    const patch: WorkOrderPatch = {};
    if (part && (wo.partStatus === 'none' || wo.partStatus === 'released' || wo.partStatus === 'backorder')) {
      const options = depotOptions(network.listDepots(), network.listInventory({ sku: part.sku }), part.sku, site);
      depots = options.map((o) => ({
        depotId: o.depot.id,
        distanceKm: round1(o.distanceKm),
        available: o.available,
        leadTimeMs: o.leadTimeMs,
      }));
      const chosen = options.find((o) => o.available > 0 && network.tryReserve(o.depot.id, part.sku, wo.id, now));
      if (chosen) {
        this.#announceReorder(chosen.depot.id, part.sku, chosen.available, now);
        reservedAt = chosen.depot.id;
        backorder = false;
        if (options[0] !== chosen)
          notes.push(
            `nearest depot ${options[0].depot.id} has no ${part.sku} free: reserved at ${chosen.depot.id}, lead time ${hours(chosen.leadTimeMs)} instead of ${hours(options[0].leadTimeMs)}`,
          );
        Object.assign(patch, {
          part_sku: part.sku,
          part_depot_id: chosen.depot.id,
          part_status: 'reserved',
          part_lead_time_ms: chosen.leadTimeMs,
        });
      } else {
        backorder = true;
        notes.push(`no depot has ${part.sku} in stock: backordered`);
        if (wo.partStatus !== 'backorder') {
          network.recordStockOut(part.sku, wo.id, now);
          notifier.enqueue('inventory.stockout', {
            sku: part.sku,
            partName: part.name,
            workOrderId: wo.id,
            deviceId: wo.deviceId,
            atMs: now,
          });
        }
        Object.assign(patch, {
          part_sku: part.sku,
          part_depot_id: null,
          part_status: 'backorder',
          part_lead_time_ms: null,
        });
      }
    }
    return { depots, reservedAt, backorder, patch };
  }

  /**
   * Tells the ERP (webhook event `inventory.reorder`) when a reservation takes a depot's free
   * stock of a part down to its reorder point: the moment to order more, with the depot's
   * shortfall to the point plus one job's worth. Only on the crossing, not on every unit below.
   */
  #announceReorder(depotId: string, sku: string, availableBefore: number, now: number): void {
    const item = this.#s.network.listInventory({ depotId, sku })[0];
    if (!item || !(availableBefore > item.reorderPoint && item.available <= item.reorderPoint)) return;
    this.#s.notifier.enqueue('inventory.reorder', {
      depotId,
      sku,
      partName: item.partName,
      onHand: item.onHand,
      reserved: item.reserved,
      available: item.available,
      reorderPoint: item.reorderPoint,
      suggestedQuantity: item.reorderPoint - item.available + 1,
      atMs: now,
    });
  }
}

function emptyPlan(now: number, part: Part | null): DispatchPlan {
  return {
    plannedAtMs: now,
    technician: null,
    technicianCandidates: 0,
    part,
    depots: [],
    reservedAt: null,
    backorder: false,
    notes: [],
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const hours = (ms: number) => `${round1(ms / 3600_000)} h`;
