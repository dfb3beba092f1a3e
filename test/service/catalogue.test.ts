// The product catalogue in the service store (issue 15): seeded once, every change a version with
// who and when, announced on the bus after the commit; deleting a model in use refused; work
// orders carry the version they were judged by; an older service store upgrades in place.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogueChange } from '../../core/product-catalogue.ts';
import type { FailureMode } from '../../core/types.ts';
import { migrate, openServiceDb, SCHEMA_VERSION } from '../../service/db.ts';
import { SqliteDb } from '../../sql/sqlite-db.ts';
import type { ServiceDomain } from '../../service/index.ts';
import { boosterPump, dispatchRequest, HOUR, makeService, seedSmallNetwork } from './helpers.ts';

let current: ServiceDomain | null = null;
const dirs: string[] = [];
afterEach(() => {
  current?.stop();
  current = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function started(opts: Parameters<typeof makeService>[0] = {}) {
  const ctx = makeService(opts);
  current = ctx.service;
  const events: CatalogueChange[] = [];
  ctx.bus.on('catalogueChanged', (c) => events.push(c));
  return { ...ctx, events };
}

describe('product catalogue in the service store', () => {
  it('starts with the three built-in models as version 1, seeded once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-cat-'));
    dirs.push(dir);
    const dbPath = join(dir, 'service.db');
    const first = started({ dbPath });
    expect(first.service.catalogue.listProductModels().map((m) => [m.id, m.version, m.updatedBy])).toEqual([
      ['compressor-c75', 1, 'system:seed'],
      ['motor-m15', 1, 'system:seed'],
      ['pump-p200', 1, 'system:seed'],
    ]);
    expect(first.service.catalogue.getProductModel('pump-p200').metrics.map((m) => `${m.name} ${m.unit}`)).toEqual([
      'temperature °C',
      'vibration mm/s',
    ]);
    for (const id of ['compressor-c75', 'motor-m15', 'pump-p200'])
      first.service.catalogue.deleteProductModel(id, 'admin:a');
    first.service.stop();
    // A restart on the same file does not bring deleted models back, even when none is left.
    const second = started({ dbPath });
    expect(second.service.catalogue.listProductModels()).toEqual([]);
    second.service.catalogue.createProductModel(boosterPump(), 'admin:a');
    second.service.stop();
    const third = started({ dbPath });
    expect(third.service.catalogue.listProductModels().map((m) => m.id)).toEqual(['booster-b40']);
    expect(third.events).toEqual([]);
  });

  it('each change is a new version with who and when, announced after the commit; an unchanged save makes none', () => {
    const { service, clock, events } = started();
    const created = service.catalogue.createProductModel(boosterPump(), 'planner:p1');
    expect(created).toMatchObject({
      changed: true,
      model: {
        id: 'booster-b40',
        version: 1,
        updatedBy: 'planner:p1',
        updatedAt: new Date(clock.nowMs()).toISOString(),
      },
    });
    expect(events.map((e) => [e.change, e.model.version])).toEqual([['created', 1]]);

    clock.advance(HOUR);
    const edited = boosterPump();
    edited.metrics[0].ratedLimits = { lower: 1.5 };
    const v2 = service.catalogue.updateProductModel('booster-b40', edited, 'admin:a1', 1);
    expect(v2.model).toMatchObject({ version: 2, updatedBy: 'admin:a1' });
    expect(events.at(-1)).toMatchObject({
      change: 'updated',
      model: { version: 2, metrics: [{ name: 'pressure', ratedLimits: { lower: 1.5 } }, {}, {}, {}] },
    });
    expect(service.catalogue.getProductModel('booster-b40').metrics[0].ratedLimits).toEqual({ lower: 1.5 });

    const again = service.catalogue.updateProductModel('booster-b40', edited, 'admin:a1');
    expect(again).toMatchObject({ changed: false, model: { version: 2 } });
    expect(events).toHaveLength(2);

    // Edited from version 1 while 2 is current: someone else's change would be lost.
    expect(() => service.catalogue.updateProductModel('booster-b40', boosterPump(), 'planner:p2', 1)).toThrow(
      /version mismatch: product model 'booster-b40' is at version 2, not 1/,
    );

    const history = service.catalogue.productModelHistory('booster-b40');
    expect(
      history.map((h) => [h.change, h.model.version, h.model.updatedBy, h.model.metrics[0].ratedLimits.lower]),
    ).toEqual([
      ['created', 1, 'planner:p1', 2],
      ['updated', 2, 'admin:a1', 1.5],
    ]);
    expect(service.catalogue.productModelVersion('booster-b40', 1).model.metrics[0].ratedLimits).toEqual({ lower: 2 });
  });

  it('names every problem of a bad model at once, by field, and saves nothing', () => {
    const { service, events } = started();
    const bad = boosterPump();
    bad.metrics[0].physicalRange = [16, 0];
    bad.metrics[1].unit = 'gallons' as never;
    bad.failureModes[0].signature.push({ metric: 'torque', direction: 'up' });
    type Thrown = { statusCode?: number; problems?: { field: string; message: string }[]; message: string };
    const thrown = ((): Thrown | null => {
      try {
        service.catalogue.createProductModel(bad, 'planner:p1');
        return null;
      } catch (err) {
        return err as Thrown;
      }
    })();
    expect(thrown?.statusCode).toBe(400);
    expect(thrown?.problems?.map((p) => p.field)).toEqual(
      expect.arrayContaining(['metrics[0].physicalRange', 'metrics[1].unit', 'failureModes[0].signature[2].metric']),
    );
    expect(thrown?.message).toMatch(/metrics\[0\]\.physicalRange min 16 must be below max 0/);
    expect(thrown?.message).toMatch(/failureModes\[0\]\.signature\[2\]\.metric the model has no metric 'torque'/);
    expect(() => service.catalogue.getProductModel('booster-b40')).toThrow(/not found/);
    expect(events).toEqual([]);
  });

  it('warns, and saves, when a part is stocked nowhere; a stocked part gets no warning', () => {
    const { service } = started();
    seedSmallNetwork(service);
    const saved = service.catalogue.createProductModel(boosterPump(), 'planner:p1');
    expect(saved.warnings).toEqual([
      {
        field: 'failureModes[0].parts[0].sku',
        code: 'partNotStocked',
        message: "part 'B40-SEAL-KIT' is not in the inventory yet",
        params: { sku: 'B40-SEAL-KIT' },
      },
    ]);
    // Saving the model made the SKU known: a depot may now stock it.
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-SEAL-KIT', onHand: 2 });
    const edited = { ...boosterPump(), name: 'Booster pump B40 (rev. 2)' };
    expect(service.catalogue.updateProductModel('booster-b40', edited, 'planner:p1').warnings).toEqual([]);
  });

  it('refuses to delete a model devices use, naming how many; an unused one goes, its history stays and its id continues', () => {
    const { service, events } = started();
    seedSmallNetwork(service);
    expect(() => service.catalogue.deleteProductModel('pump-p200', 'admin:a')).toThrow(
      /product model 'pump-p200' is used by 3 devices; move them to another model first/,
    );
    service.catalogue.createProductModel(boosterPump(), 'planner:p1');
    service.customers.registerDevices([{ deviceId: 'booster-0001', modelId: 'booster-b40' }]);
    expect(() => service.catalogue.deleteProductModel('booster-b40', 'admin:a')).toThrow(/used by 1 device;/);
    service.customers.registerDevices([{ deviceId: 'booster-0001', modelId: 'pump-p200' }]);
    const deleted = service.catalogue.deleteProductModel('booster-b40', 'admin:a');
    expect(deleted).toMatchObject({ id: 'booster-b40', version: 2, updatedBy: 'admin:a' });
    expect(events.at(-1)).toMatchObject({ change: 'deleted', model: { id: 'booster-b40', version: 2 } });
    expect(() => service.catalogue.getProductModel('booster-b40')).toThrow(/not found/);
    expect(service.catalogue.productModelHistory('booster-b40').map((h) => h.change)).toEqual(['created', 'deleted']);
    expect(() => service.customers.registerDevices([{ deviceId: 'booster-0002', modelId: 'booster-b40' }])).toThrow(
      /unknown model 'booster-b40'/,
    );
    expect(service.catalogue.createProductModel(boosterPump(), 'planner:p1').model.version).toBe(3);
  });

  it("a device follows its model: a new version at once, another model once re-registered; its warranty is the model's", () => {
    const { service, clock } = started();
    service.catalogue.createProductModel(boosterPump(), 'planner:p1');
    service.customers.registerDevices([{ deviceId: 'booster-0001', modelId: 'booster-b40' }]);
    expect(service.catalogue.productModelOfDevice('booster-0001')).toMatchObject({ id: 'booster-b40', version: 1 });
    expect(service.customers.getDevice('booster-0001')!.warrantyEndMs - clock.nowMs()).toBe(
      18 * (365 / 12) * 24 * HOUR,
    );
    service.catalogue.updateProductModel('booster-b40', { ...boosterPump(), warrantyMonths: 12 }, 'planner:p1');
    expect(service.catalogue.productModelOfDevice('booster-0001')).toMatchObject({
      id: 'booster-b40',
      version: 2,
      warrantyMonths: 12,
    });
    service.customers.registerDevices([{ deviceId: 'booster-0001', modelId: 'motor-m15' }]);
    expect(service.catalogue.productModelOfDevice('booster-0001')).toMatchObject({ id: 'motor-m15' });
    expect(service.catalogue.productModelOfDevice('nobody-0001')).toBeUndefined();
  });

  it('a work order records the model version it was judged by, and takes its part from the catalogue', () => {
    const { service } = started();
    seedSmallNetwork(service);
    service.catalogue.createProductModel(boosterPump(), 'planner:p1');
    service.network.saveInventory({ depotId: 'D-JKT', sku: 'B40-SEAL-KIT', onHand: 1 });
    service.customers.registerDevices([{ deviceId: 'booster-0001', modelId: 'booster-b40', siteId: 'S-JKT' }]);
    service.catalogue.updateProductModel(
      'booster-b40',
      { ...boosterPump(), name: 'Booster pump B40 (rev. 2)' },
      'planner:p1',
    );

    // Without a version in the request: the device's model as it is now.
    const seal = service.workOrders.handleDispatch(dispatchRequest('booster-0001', 'seal_leak' as FailureMode)).order;
    expect(seal).toMatchObject({
      modelId: 'booster-b40',
      modelVersion: 2,
      partSku: 'B40-SEAL-KIT',
      partStatus: 'reserved',
      partDepotId: 'D-JKT',
    });
    // Analytics judged by version 1 (the readings came in before the edit): that is what the job says.
    const overload = service.workOrders.handleDispatch({
      ...dispatchRequest('booster-0001', 'motor_overload' as FailureMode),
      model: { id: 'booster-b40', version: 1 },
    }).order;
    expect(overload).toMatchObject({ modelId: 'booster-b40', modelVersion: 1, partSku: null });
    expect(overload.plan?.notes).toContain('no spare part listed for motor_overload on booster-b40: inspection visit');
    // The built-in models keep their parts, the sensor module included.
    const sensor = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1', 'sensor_fault')).order;
    expect(sensor).toMatchObject({ modelId: 'pump-p200', modelVersion: 1, partSku: 'SNS-TV-MOD' });
    expect(service.workOrders.getWorkOrder(seal.id)).toMatchObject({ modelId: 'booster-b40', modelVersion: 2 });
  });
});

describe("a catalogue model's own failure modes", () => {
  it('a planner opens a job for one, a technician is skilled in one; a mode the model lacks is a 400 naming its modes', () => {
    const { service } = started();
    seedSmallNetwork(service);
    service.catalogue.createProductModel(boosterPump(), 'planner:p1');
    service.customers.registerDevices([{ deviceId: 'booster-0001', modelId: 'booster-b40', siteId: 'S-JKT' }]);
    service.network.saveTechnician({
      id: 'T-SEAL',
      name: 'Seal specialist',
      homeLat: -6.2,
      homeLon: 106.84,
      depotId: 'D-JKT',
      skills: [{ modelId: 'booster-b40', mode: 'seal_leak' }],
    });
    expect(() =>
      service.network.saveTechnician({
        id: 'T-X',
        name: 'X',
        homeLat: -6.2,
        homeLon: 106.84,
        skills: [{ modelId: 'booster-b40', mode: 'bearing_wear' }],
      }),
    ).toThrow(
      "skills[0].mode: 'bearing_wear' is not a failure mode of booster-b40 (seal_leak, motor_overload, sensor_fault, unknown_anomaly)",
    );
    const job = service.workOrders.createWorkOrder({
      deviceId: 'booster-0001',
      mode: 'seal_leak',
      actor: 'planner:p1',
    });
    expect(job).toMatchObject({ mode: 'seal_leak', modelId: 'booster-b40', modelVersion: 1, source: 'planner' });
    expect(() =>
      service.workOrders.createWorkOrder({ deviceId: 'booster-0001', mode: 'cooling_failure', actor: 'planner:p1' }),
    ).toThrow(/^mode: 'cooling_failure' is not a failure mode of booster-b40/);
    // Every model has the sensor and unknown-anomaly modes.
    expect(
      service.workOrders.createWorkOrder({ deviceId: 'booster-0001', mode: 'unknown_anomaly', actor: 'planner:p1' })
        .mode,
    ).toBe('unknown_anomaly');
    const csv = service.network.importCsv(
      'technicians',
      'id,name,homeLat,homeLon,skills\nT-CSV,Ani,-6.2,106.8,booster-b40:seal_leak;*:motor_overload\nT-BAD,Eko,-6.2,106.8,*:melting\n',
    );
    expect(csv.errors).toEqual([
      { line: 3, message: "skills: unknown failure mode: no product model has a failure mode 'melting'" },
    ]);
  });
});

describe('service store upgrade', () => {
  it('a store from before the catalogue keeps its devices and work orders; its models become version 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-cat-up-'));
    dirs.push(dir);
    const path = join(dir, 'service.db');
    const old = new SqliteDb(path);
    old.exec('PRAGMA foreign_keys = ON');
    migrate(old, 4);
    old.exec(`
      INSERT INTO device_models VALUES ('pump-p200', 'Centrifugal pump P200 (22 kW)', 'pump', 'II', 85);
      INSERT INTO parts VALUES ('P200-BRG-KIT', 'Bearing kit P200');
      INSERT INTO model_parts VALUES ('pump-p200', 'bearing_wear', 'P200-BRG-KIT');
      INSERT INTO devices VALUES ('pump-0001', 'pump-p200', 'P-1', NULL, 0, 1, 'standard', 0);
      INSERT INTO work_orders (id, device_id, mode, state, evidence_json, created_at_ms, updated_at_ms) VALUES ('WO-000001', 'pump-0001', 'bearing_wear', 'open', '{}', 0, 0);
    `);
    old.close();

    const db = openServiceDb(path);
    try {
      expect((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
      expect(db.prepare('SELECT id, version, updated_by FROM device_models').all()).toEqual([
        { id: 'pump-p200', version: 1, updated_by: 'system:seed' },
      ]);
      expect(db.prepare('SELECT model_id FROM devices').all()).toEqual([{ model_id: 'pump-p200' }]);
      expect(db.prepare('SELECT id, model_id, model_version FROM work_orders').all()).toEqual([
        { id: 'WO-000001', model_id: null, model_version: null },
      ]);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'model_parts'").all()).toEqual([]);
      // Foreign keys are back on: a device of a model the catalogue lacks is refused.
      expect(() => db.exec("INSERT INTO devices VALUES ('x-1', 'nope', 'X', NULL, 0, 1, 'standard', 0)")).toThrow(
        /FOREIGN KEY/,
      );
    } finally {
      db.close();
    }
    // Started on it, the catalogue is not seeded again over the migrated model.
    const { service } = started({ dbPath: path });
    expect(service.catalogue.listProductModels().map((m) => m.id)).toEqual(['pump-p200']);
    expect(service.customers.getDevice('pump-0001')).toMatchObject({ modelId: 'pump-p200' });
  });
});
