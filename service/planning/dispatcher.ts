// The dispatcher: plans a work order (spare part at the nearest depot with stock, then the
// technician who can be on site first) and sweeps the backlog of jobs waiting on the network.
// Writes the plan, reservations and outbox rows inside the caller's transaction and returns the
// changes; the caller owns the transaction and tells the bus.

import { type PartSpec, type ProductModel, partsFor } from '../../core/product-catalogue.ts';
import { statesBefore } from '../../core/work-order-states.ts';
import type { ServiceStores } from '../stores.ts';
import type { DispatchPlan, ServiceWorkOrder, WorkOrderPart } from '../types.ts';
import type { Change, Lifecycle } from '../work-orders/lifecycle.ts';
import type { WorkOrderPatch } from '../work-orders/store.ts';
import { depotOptions, rankTechnicians } from './planner.ts';

/** Actor name of the dispatcher's changes in the work-order history. */
const DISPATCHER = 'system:dispatcher';
/** Waiting jobs looked at per backlog sweep: bounds the work one resolution can trigger. */
const BACKLOG_SWEEP_MAX = 50;

type Site = { lat: number | null; lon: number | null };

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
    const { registry, network, orders } = this.#s;
    // Paid work waits for the customer's yes (billing/quotes.ts): nobody is sent, no part reserved.
    if (this.#s.billing.awaitingApproval(wo.id)) return [];
    const device = registry.getDevice(wo.deviceId);
    const modelId = device?.modelId ?? 'unknown';
    const notes: string[] = [];
    const model = device ? this.#judgedBy(wo, modelId) : undefined;
    const wanted = model ? partsFor(model, wo.mode) : [];
    const skill = model?.failureModes.find((f) => f.id === wo.mode)?.skill;
    const site = { lat: device?.lat ?? null, lon: device?.lon ?? null };
    if (!device) notes.push('device not in the registry: no site, no parts catalogue');
    else if (site.lat == null) notes.push('device has no site location: distances not considered');

    const partPlan = this.#planParts(wo, wanted, site, notes, now);
    const { depots, reservedAt, backorder } = partPlan;
    const patch: WorkOrderPatch = { ...partPlan.patch };
    if (!wanted.length && device) notes.push(`no spare part listed for ${wo.mode} on ${modelId}: inspection visit`);

    const ranked = device
      ? rankTechnicians(
          network.listTechnicians(),
          { modelId, mode: wo.mode, siteLat: site.lat, siteLon: site.lon, skill },
          now,
        )
      : [];
    const best = ranked[0];
    if (!best) notes.push(`no active technician with capacity is skilled for ${wo.mode} on ${modelId}: left open`);
    else if (!best.hasSkill)
      // Better a technician who may go than a job waiting for a specialist who may never be free.
      notes.push(
        `nobody who can take the job has the skill '${skill}' that ${wo.mode} needs: assigned ${best.technician.id} without it`,
      );
    else if (!best.onShift)
      notes.push(
        `nobody suitable on shift now: ${best.technician.id} can be on site in ${hours(best.etaMs)} (after their shift starts)`,
      );
    const plan: DispatchPlan = {
      plannedAtMs: now,
      ...(skill ? { skill, ...(best ? { skillMatched: best.hasSkill } : {}) } : {}),
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
      part: partPlan.rows[0] ? { sku: partPlan.rows[0].sku, name: partPlan.rows[0].name } : null,
      parts: partPlan.rows.map(planPart),
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
      } else if (
        wo.parts.some(
          (p) =>
            p.status === 'backorder' && network.listInventory({ sku: p.sku }).some((i) => i.available >= p.quantity),
        )
      ) {
        const notes: string[] = [];
        const p = this.#planParts(wo, wo.parts, { lat: device.lat, lon: device.lon }, notes, now);
        if (!p.newlyReserved.length) continue;
        const several = p.rows.length > 1;
        const plan: DispatchPlan = {
          ...(wo.plan ?? emptyPlan(now, p.rows[0])),
          depots: p.depots,
          reservedAt: p.reservedAt,
          backorder: p.backorder,
          parts: p.rows.map(planPart),
          notes: [
            ...(wo.plan?.notes ?? []),
            ...p.newlyReserved.map((r) => `part arrived: reserved at ${r.depotId}${several ? ` (${r.sku})` : ''}`),
            ...notes,
          ],
        };
        const order = orders.patch(
          wo.id,
          { ...p.patch, plan_json: JSON.stringify(plan) },
          {
            actor: DISPATCHER,
            nowMs: now,
            note: `backorder filled: ${p.newlyReserved.map((r) => `${r.sku} reserved at ${r.depotId}`).join(', ')}`,
          },
        );
        out.push({ order, prevTechnicianId: wo.technicianId ?? null });
      }
    }
    return out;
  }

  /**
   * The catalogue version the job was judged by (recorded on it), so the parts and skill are that
   * version's, as the diagnosis was; the device's model as it is now for a job without one.
   */
  #judgedBy(wo: ServiceWorkOrder, modelId: string): ProductModel | undefined {
    const { catalogue } = this.#s;
    if (wo.modelId && wo.modelVersion != null) {
      const judged = catalogue.version(wo.modelId, wo.modelVersion)?.model;
      if (judged) return judged;
    }
    return catalogue.current(modelId);
  }

  /**
   * Reserves every part the repair needs, each in its quantity at the nearest depot with that many
   * free (parts already reserved stay where they are); a part no depot has enough of is
   * backordered (a stock-out, counted once per job and part). Writes the job's parts list and
   * returns the summary columns: the first part, backorder while any part is, the longest lead time.
   */
  #planParts(wo: ServiceWorkOrder, wanted: readonly PartSpec[], site: Site, notes: string[], now: number) {
    const { network, notifier, orders } = this.#s;
    const had = new Map(wo.parts.map((p) => [p.sku, p]));
    let depots: DispatchPlan['depots'] = [];
    const rows: WorkOrderPart[] = [];
    const newlyReserved: { sku: string; depotId: string }[] = [];
    wanted.forEach((part, i) => {
      const before = had.get(part.sku);
      if (before && (before.status === 'reserved' || before.status === 'consumed')) {
        rows.push(before);
        return;
      }
      const q = part.quantity;
      const options = depotOptions(network.listDepots(), network.listInventory({ sku: part.sku }), part.sku, site);
      // The first part's options, as the plan has always shown them.
      if (i === 0)
        depots = options.map((o) => ({
          depotId: o.depot.id,
          distanceKm: round1(o.distanceKm),
          available: o.available,
          leadTimeMs: o.leadTimeMs,
        }));
      const chosen = options.find((o) => o.available >= q && network.tryReserve(o.depot.id, part.sku, wo.id, now, q));
      const what = q === 1 ? part.sku : `${q} × ${part.sku}`;
      if (chosen) {
        this.#announceReorder(chosen.depot.id, part.sku, chosen.available, now);
        if (options[0] !== chosen)
          notes.push(
            `nearest depot ${options[0].depot.id} has no ${what} free: reserved at ${chosen.depot.id}, lead time ${hours(chosen.leadTimeMs)} instead of ${hours(options[0].leadTimeMs)}`,
          );
        rows.push({ ...spec(part), status: 'reserved', depotId: chosen.depot.id, leadTimeMs: chosen.leadTimeMs });
        newlyReserved.push({ sku: part.sku, depotId: chosen.depot.id });
      } else {
        notes.push(`no depot has ${what} in stock: backordered`);
        if (before?.status !== 'backorder') {
          network.recordStockOut(part.sku, wo.id, now);
          notifier.enqueue('inventory.stockout', {
            sku: part.sku,
            partName: part.name,
            workOrderId: wo.id,
            deviceId: wo.deviceId,
            atMs: now,
          });
        }
        rows.push({ ...spec(part), status: 'backorder', depotId: null, leadTimeMs: null });
      }
    });
    const patch: WorkOrderPatch = {};
    const backorder = rows.some((r) => r.status === 'backorder');
    if (rows.length) {
      orders.saveParts(wo.id, rows);
      Object.assign(patch, {
        part_sku: rows[0].sku,
        part_depot_id: rows[0].depotId,
        part_status: backorder ? 'backorder' : 'reserved',
        part_lead_time_ms: backorder ? null : Math.max(...rows.map((r) => r.leadTimeMs ?? 0)),
      });
    }
    const reservedAt = rows[0]?.status === 'reserved' ? rows[0].depotId : null;
    return { depots, reservedAt, backorder, patch, rows, newlyReserved };
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

function spec(p: PartSpec | WorkOrderPart): { sku: string; name: string; quantity: number } {
  return { sku: p.sku, name: p.name, quantity: p.quantity };
}

function planPart(r: WorkOrderPart): NonNullable<DispatchPlan['parts']>[number] {
  return { ...spec(r), reservedAt: r.status === 'reserved' ? r.depotId : null, leadTimeMs: r.leadTimeMs };
}

function emptyPlan(now: number, first: WorkOrderPart | undefined): DispatchPlan {
  return {
    plannedAtMs: now,
    technician: null,
    technicianCandidates: 0,
    part: first ? { sku: first.sku, name: first.name } : null,
    depots: [],
    reservedAt: null,
    backorder: false,
    notes: [],
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const hours = (ms: number) => `${round1(ms / 3600_000)} h`;
