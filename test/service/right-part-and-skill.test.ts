// The right part and skill (issue 15): the dispatcher sends a technician with the repair skill the
// catalogue's failure mode names (and says so when nobody who could go has it), reserves every
// part the mode lists in its quantity, each at the nearest depot with that many free, and takes
// them from the catalogue version the job was judged by. Real SQLite stores throughout.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProductModel } from '../../core/product-catalogue.ts';
import type { FailureMode } from '../../core/types.ts';
import type { ServiceDomain } from '../../service/index.ts';
import { boosterPump, dispatchRequest, HOUR, makeService, seedSmallNetwork } from './helpers.ts';

let current: ServiceDomain | null = null;
afterEach(() => {
  current?.stop();
  current = null;
});

const SEAL = 'seal_leak' as FailureMode;

/** The booster pump whose seal repair takes a seal kit and two O-rings. */
function booster(
  parts = [
    { sku: 'B40-SEAL-KIT', name: 'Seal kit B40', quantity: 1 },
    { sku: 'B40-ORING', name: 'O-ring B40', quantity: 2 },
  ],
): ProductModel {
  const m = boosterPump();
  return { ...m, failureModes: m.failureModes.map((f) => (f.id === 'seal_leak' ? { ...f, parts } : f)) };
}

function setup(model = booster()) {
  const ctx = makeService();
  current = ctx.service;
  const { service } = ctx;
  seedSmallNetwork(service);
  service.catalogue.createProductModel(model, 'planner:p1');
  service.customers.registerDevices([
    { deviceId: 'booster-1', modelId: 'booster-b40', siteId: 'S-JKT' },
    { deviceId: 'booster-2', modelId: 'booster-b40', siteId: 'S-JKT' },
    { deviceId: 'booster-3', modelId: 'booster-b40', siteId: 'S-JKT' },
  ]);
  return ctx;
}

const stock = (service: ServiceDomain, depotId: string, sku: string) =>
  service.network.listInventory({ depotId, sku })[0];

describe('the technician with the skill', () => {
  it('prefers the technician with the failure mode’s skill over a nearer one without; with nobody skilled free, the best one goes and the plan says so', () => {
    const { service } = setup();
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-SEAL-KIT', onHand: 5 });
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-ORING', onHand: 10 });
    // Next to the site, may be sent to any model, no seal skill.
    service.network.saveTechnician({
      id: 'T-NEAR',
      name: 'Near',
      homeLat: -6.2,
      homeLon: 106.85,
      depotId: 'D-JKT',
      skills: [{ modelId: '*', mode: '*' }],
      skillTags: ['electrical'],
    });
    // In Bandung, 120 km away, with the seal skill; takes one job.
    service.network.saveTechnician({
      id: 'T-SEAL',
      name: 'Seal specialist',
      homeLat: -6.9,
      homeLon: 107.6,
      depotId: 'D-BDG',
      maxOpenJobs: 1,
      skills: [{ modelId: 'booster-b40', mode: '*' }],
      skillTags: ['mechanical-seal', 'bearings'],
    });
    expect(service.network.getTechnician('T-SEAL')?.skillTags).toEqual(['bearings', 'mechanical-seal']);

    const first = service.workOrders.handleDispatch(dispatchRequest('booster-1', SEAL)).order;
    expect(first.technicianId).toBe('T-SEAL');
    expect(first.plan).toMatchObject({ skill: 'mechanical-seal', skillMatched: true });

    // T-SEAL is at capacity: the job goes to the nearest who may be sent, without the skill, and says so.
    const second = service.workOrders.handleDispatch(dispatchRequest('booster-2', SEAL)).order;
    expect(second.technicianId).toBe('T-NEAR');
    expect(second.plan).toMatchObject({ skill: 'mechanical-seal', skillMatched: false });
    expect(second.plan?.notes).toContain(
      "nobody who can take the job has the skill 'mechanical-seal' that seal_leak needs: assigned T-NEAR without it",
    );

    // The electrical job goes to the one with that skill, the nearer one here.
    const overload = service.workOrders.handleDispatch(
      dispatchRequest('booster-3', 'motor_overload' as FailureMode),
    ).order;
    expect(overload).toMatchObject({ technicianId: 'T-NEAR', plan: { skill: 'electrical', skillMatched: true } });

    // Saving a technician without skillTags keeps theirs; the CSV import sets them.
    service.network.saveTechnician({
      id: 'T-NEAR',
      name: 'Near',
      homeLat: -6.2,
      homeLon: 106.85,
      skills: [{ modelId: '*', mode: '*' }],
    });
    expect(service.network.getTechnician('T-NEAR')?.skillTags).toEqual(['electrical']);
    const report = service.network.importCsv(
      'technicians',
      'id,name,homeLat,homeLon,skills,skillTags\nT-CSV,Csv,-6.2,106.85,booster-b40:*,mechanical-seal;electrical\n',
    );
    expect(report.errors).toEqual([]);
    expect(service.network.getTechnician('T-CSV')?.skillTags).toEqual(['electrical', 'mechanical-seal']);
  });
});

describe('every part the failure mode names', () => {
  it('reserves each part in its quantity at the nearest depot with that many free; cancelling releases them all', () => {
    const { service } = setup();
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-SEAL-KIT', onHand: 1, leadTimeMs: 2 * HOUR });
    // Jakarta has one O-ring, the job needs two: Bandung's, with its longer road.
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-ORING', onHand: 1, leadTimeMs: 2 * HOUR });
    service.network.saveInventory({ depotId: 'D-BDG', sku: 'B40-ORING', onHand: 6, leadTimeMs: 2 * HOUR });
    const wo = service.workOrders.handleDispatch(dispatchRequest('booster-1', SEAL)).order;
    expect(wo.parts).toEqual([
      expect.objectContaining({ sku: 'B40-SEAL-KIT', quantity: 1, status: 'reserved', depotId: 'D-JKT' }),
      expect.objectContaining({ sku: 'B40-ORING', quantity: 2, status: 'reserved', depotId: 'D-BDG' }),
    ]);
    // The summary: the first part, reserved, the job's part lead time the longer of the two.
    expect(wo).toMatchObject({ partSku: 'B40-SEAL-KIT', partStatus: 'reserved', partDepotId: 'D-JKT' });
    expect(wo.partLeadTimeMs).toBe(wo.parts[1].leadTimeMs);
    expect(wo.partLeadTimeMs!).toBeGreaterThan(wo.parts[0].leadTimeMs! + 3 * HOUR);
    expect(wo.plan?.parts?.map((p) => [p.sku, p.quantity, p.reservedAt])).toEqual([
      ['B40-SEAL-KIT', 1, 'D-JKT'],
      ['B40-ORING', 2, 'D-BDG'],
    ]);
    expect(wo.plan?.notes.join(' ')).toMatch(/nearest depot D-JKT has no 2 × B40-ORING free: reserved at D-BDG/);
    expect(stock(service, 'D-BDG', 'B40-ORING')).toMatchObject({ onHand: 6, reserved: 2, available: 4 });
    expect(stock(service, 'D-JKT', 'B40-ORING')).toMatchObject({ reserved: 0 });
    expect(stock(service, 'D-JKT', 'B40-SEAL-KIT')).toMatchObject({ reserved: 1 });

    const cancelled = service.workOrders.transition(wo.id, {
      to: 'cancelled',
      version: service.workOrders.getWorkOrder(wo.id)!.version,
      actor: 'planner:p1',
    });
    expect(cancelled.partStatus).toBe('released');
    expect(cancelled.parts.map((p) => p.status)).toEqual(['released', 'released']);
    expect(stock(service, 'D-BDG', 'B40-ORING')).toMatchObject({ onHand: 6, reserved: 0 });
    expect(stock(service, 'D-JKT', 'B40-SEAL-KIT')).toMatchObject({ onHand: 1, reserved: 0 });
  });

  it('a part no depot has enough of is backordered while the others stay reserved; restocked, the backlog reserves it, and fitting consumes every part', () => {
    const { service } = setup();
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-SEAL-KIT', onHand: 2 });
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-ORING', onHand: 1 });
    const wo = service.workOrders.handleDispatch(dispatchRequest('booster-1', SEAL)).order;
    expect(wo.parts.map((p) => [p.sku, p.status])).toEqual([
      ['B40-SEAL-KIT', 'reserved'],
      ['B40-ORING', 'backorder'],
    ]);
    expect(wo).toMatchObject({ partStatus: 'backorder', plannedLeadTimeMs: null, plan: { backorder: true } });
    expect(wo.plan?.notes).toContain('no depot has 2 × B40-ORING in stock: backordered');
    expect(service.kpis.kpis(0, Date.now() * 2).partsStockOuts).toBe(1);

    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-ORING', onHand: 3 });
    const filled = service.workOrders.getWorkOrder(wo.id)!;
    expect(filled.parts.map((p) => [p.sku, p.status, p.depotId])).toEqual([
      ['B40-SEAL-KIT', 'reserved', 'D-JKT'],
      ['B40-ORING', 'reserved', 'D-JKT'],
    ]);
    expect(filled.partStatus).toBe('reserved');
    expect(filled.plan?.notes.join(' ')).toMatch(/part arrived: reserved at D-JKT \(B40-ORING\)/);
    // The seal kit was not reserved twice.
    expect(stock(service, 'D-JKT', 'B40-SEAL-KIT')).toMatchObject({ onHand: 2, reserved: 1 });

    let order = filled;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      order = service.workOrders.transition(order.id, { to, version: order.version, actor: 'tech' });
    order = service.workOrders.transition(order.id, {
      to: 'resolved',
      version: order.version,
      actor: 'tech',
      resolutionCode: 'fault_confirmed_part_replaced',
    });
    expect(order.parts.map((p) => p.status)).toEqual(['consumed', 'consumed']);
    expect(stock(service, 'D-JKT', 'B40-SEAL-KIT')).toMatchObject({ onHand: 1, reserved: 0 });
    expect(stock(service, 'D-JKT', 'B40-ORING')).toMatchObject({ onHand: 1, reserved: 0 });
  });
});

describe('the catalogue version the job was judged by', () => {
  it('takes the parts from the version recorded on the work order, not the model as edited since', () => {
    const { service } = setup(booster([{ sku: 'B40-SEAL-KIT', name: 'Seal kit B40', quantity: 1 }]));
    // Version 2 changes the seal repair to a new kit; analytics judged the readings by version 1.
    service.catalogue.updateProductModel(
      'booster-b40',
      booster([{ sku: 'B40-SEAL-KIT-2', name: 'Seal kit B40 (rev. 2)', quantity: 1 }]),
      'planner:p1',
    );
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-SEAL-KIT', onHand: 5 });
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-SEAL-KIT-2', onHand: 5 });
    // Nobody on duty yet: the first job waits open, its part reserved.
    const bandung = service.network.getTechnician('T-BDG-1')!;
    const jakarta = service.network.getTechnician('T-JKT-1')!;
    service.network.saveTechnician({ ...bandung, active: false });
    service.network.saveTechnician({ ...jakarta, active: false });
    const judgedV1 = service.workOrders.handleDispatch({
      ...dispatchRequest('booster-1', SEAL),
      model: { id: 'booster-b40', version: 1 },
    }).order;
    expect(judgedV1).toMatchObject({ state: 'open', modelVersion: 1, partSku: 'B40-SEAL-KIT', partStatus: 'reserved' });
    expect(judgedV1.parts.map((p) => p.sku)).toEqual(['B40-SEAL-KIT']);
    const judgedV2 = service.workOrders.handleDispatch({
      ...dispatchRequest('booster-2', SEAL),
      model: { id: 'booster-b40', version: 2 },
    }).order;
    expect(judgedV2).toMatchObject({ modelVersion: 2, partSku: 'B40-SEAL-KIT-2' });

    // A version 3 comes in, then a technician comes on duty and the backlog plans the open jobs:
    // still the parts of the version each was judged by.
    service.catalogue.updateProductModel(
      'booster-b40',
      booster([{ sku: 'B40-SEAL-KIT-3', name: 'Seal kit B40 (rev. 3)', quantity: 1 }]),
      'planner:p1',
    );
    service.network.saveTechnician({ ...bandung, active: true });
    const planned = service.workOrders.getWorkOrder(judgedV1.id)!;
    expect(planned.technicianId).toBe('T-BDG-1');
    expect(planned.parts.map((p) => [p.sku, p.status])).toEqual([['B40-SEAL-KIT', 'reserved']]);
    expect(stock(service, 'D-JKT', 'B40-SEAL-KIT')).toMatchObject({ reserved: 1 });
  });
});
