import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_MODELS } from '../../core/device-models.ts';
import { seedDemo } from '../../demo/seed.ts';
import type { ServiceDomain } from '../../service/index.ts';
import { parseCsv } from '../../service/csv-import.ts';
import { dispatchRequest, makeService } from '../service/helpers.ts';

let current: ServiceDomain | null = null;
afterEach(() => {
  current?.stop();
  current = null;
});

const simFleet = Array.from({ length: 20 }, (_, i) => ({
  deviceId: `sim-${String(i + 1).padStart(3, '0')}`,
  modelId: DEVICE_MODELS[i % 3].id,
}));

describe('demo seed', () => {
  it('builds the Jakarta/Surabaya/Bandung network around the simulated fleet, idempotently', () => {
    const { service, clock } = makeService();
    current = service;
    service.customers.registerDevices(simFleet); // as the wiring does, before or after the seed
    const summary = seedDemo(service, { devices: simFleet, nowMs: clock.nowMs() });
    expect(summary).toMatchObject({ depots: 3, technicians: 32, devices: 300 });
    expect(service.network.listDepots().map((d) => d.city)).toEqual(['Bandung', 'Jakarta', 'Surabaya']);
    // A planner picks technicians by name (board filter, reassign list, KPIs): no two share one.
    const names = service.network.listTechnicians().map((t) => t.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    const devices = service.customers.listDevices();
    expect(devices).toHaveLength(300);
    expect(new Set(devices.map((d) => d.modelId))).toEqual(new Set(DEVICE_MODELS.map((m) => m.id)));
    for (const sim of simFleet)
      expect(service.customers.getDevice(sim.deviceId)).toMatchObject({
        modelId: sim.modelId,
        siteId: expect.any(String),
        lat: expect.any(Number),
      });
    expect(devices.every((d) => d.siteId && d.customerName)).toBe(true);
    expect(devices.some((d) => d.warrantyEndMs < clock.nowMs())).toBe(true); // some out of warranty
    expect(new Set(devices.map((d) => d.contractTier))).toEqual(new Set(['basic', 'standard', 'premium']));
    // Every site has its zone: Java's plants WIB, the Makassar plant WITA, with devices there.
    const zones = new Map(service.customers.listSites().map((s) => [s.id, s.timeZone]));
    expect(new Set(zones.values())).toEqual(new Set(['Asia/Jakarta', 'Asia/Makassar']));
    expect(
      service.customers
        .listSites()
        .filter((s) => s.timeZone === 'Asia/Makassar')
        .map((s) => s.city),
    ).toEqual(['Makassar']);
    expect(devices.filter((d) => d.timeZone === 'Asia/Makassar').length).toBe(5);
    expect(devices.every((d) => d.timeZone === zones.get(d.siteId!))).toBe(true);

    // Every site has a maintenance lead who reads Indonesian; some customers a director who reads English.
    expect(summary.contacts).toBeGreaterThan(zones.size);
    for (const site of service.customers.listSites()) {
      expect(
        service.stores.contacts.recipientsForSite(site.id).some((c) => c.siteId === site.id && c.language === 'id'),
        site.id,
      ).toBe(true);
    }
    const customerWide = service.customers
      .listCustomers()
      .flatMap((c) => service.customers.listContacts(c.id))
      .filter((c) => c.siteId === null);
    expect(customerWide.length).toBeGreaterThan(3);
    expect(customerWide.every((c) => c.language === 'en' && c.preferredChannel === 'email')).toBe(true);

    // A forecast on a simulated device is planned at once from the seeded network.
    const wo = service.workOrders.handleDispatch(dispatchRequest('sim-001')).order;
    expect(wo.state).toBe('assigned');
    expect(wo.partStatus).toBe('reserved');
    expect(wo.partDepotId).toBe('DEP-JKT');
    const stockAfterReservation = service.network.listInventory();

    clock.advance(24 * 3600_000);
    seedDemo(service, { devices: simFleet, nowMs: clock.nowMs() });
    expect(service.customers.listDevices()).toEqual(devices);
    expect(service.network.listInventory()).toEqual(stockAfterReservation);
    expect(service.network.listTechnicians()).toHaveLength(32);
    expect(service.customers.listCustomers().flatMap((c) => service.customers.listContacts(c.id))).toHaveLength(
      summary.contacts,
    );
  });
});

describe('CSV parsing', () => {
  it('handles quotes, escaped quotes, CRLF, a BOM and fields spanning lines, keeping line numbers', () => {
    const rows = parseCsv('\ufeffa,b\r\n"x, y","say ""hi"""\n"multi\nline",2\n\nlast,3');
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['multi\nline', '2'] },
      { line: 6, fields: ['last', '3'] },
    ]);
  });
});
