import { pino } from 'pino';
import { ManualClock } from '../../core/clock.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { DispatchRequest, FailureMode, HealthReport } from '../../core/types.ts';
import type { ProductModel } from '../../core/product-catalogue.ts';
import { ServiceDomain, type ServiceOptions } from '../../service/index.ts';
import { serviceLocation } from '../support/service-db.ts';

/** Monday 2026-11-23 09:00 WIB (02:00 UTC): everyone on a Mon–Sat 08:00–17:00 shift is working. */
export const MONDAY_9_WIB = Date.UTC(2026, 10, 23, 2, 0, 0);
export const HOUR = 3600_000;

export const silentLog = pino({ level: 'silent' });

/**
 * The tests' own webhook receivers listen on 127.0.0.1, an internal address every webhook is
 * refused by default (issue 13): allowed here as PURNA_WEBHOOK_ALLOW_HOSTS would allow it.
 */
export const LOCAL_RECEIVERS = ['127.0.0.1'];

export function makeService(opts: Partial<ServiceOptions> = {}): {
  service: ServiceDomain;
  bus: EventBus;
  clock: ManualClock;
} {
  const bus = new EventBus();
  const clock = new ManualClock(MONDAY_9_WIB);
  const service = new ServiceDomain({
    bus,
    log: silentLog,
    clock,
    slaCheckIntervalMs: 0,
    ...opts,
    ...serviceLocation(opts.dbPath),
    notifier: { pollIntervalMs: 0, outboundAllow: LOCAL_RECEIVERS, ...opts.notifier },
  });
  service.start();
  return { service, bus, clock };
}

/**
 * A small network: Jakarta and Bandung depots, one technician in each city, one customer with a
 * site in each city, a pump at each site. Stock: one P200 bearing kit in Jakarta, two in Bandung.
 */
export function seedSmallNetwork(
  service: ServiceDomain,
  opts: { jakartaBearingKits?: number; bandungBearingKits?: number } = {},
): void {
  const reg = service.stores.registry;
  const net = service.stores.network;
  reg.upsertCustomer({ id: 'C1', name: 'PT Tirta Makmur' });
  reg.upsertSite({ id: 'S-JKT', customerId: 'C1', name: 'Plant Cikarang', city: 'Jakarta', lat: -6.2, lon: 106.85 });
  reg.upsertSite({ id: 'S-BDG', customerId: 'C1', name: 'Plant Bandung', city: 'Bandung', lat: -6.91, lon: 107.61 });
  net.upsertDepot({ id: 'D-JKT', name: 'Depot Jakarta', city: 'Jakarta', lat: -6.17, lon: 106.83 });
  net.upsertDepot({ id: 'D-BDG', name: 'Depot Bandung', city: 'Bandung', lat: -6.92, lon: 107.6 });
  net.upsertTechnician({
    id: 'T-JKT-1',
    name: 'Budi Santoso',
    homeLat: -6.21,
    homeLon: 106.82,
    depotId: 'D-JKT',
    skills: [{ modelId: 'pump-p200', mode: '*' }],
  });
  net.upsertTechnician({
    id: 'T-BDG-1',
    name: 'Siti Rahayu',
    homeLat: -6.9,
    homeLon: 107.62,
    depotId: 'D-BDG',
    skills: [{ modelId: '*', mode: '*' }],
  });
  net.upsertInventory({
    depotId: 'D-JKT',
    sku: 'P200-BRG-KIT',
    onHand: opts.jakartaBearingKits ?? 1,
    reorderPoint: 1,
    leadTimeMs: 2 * HOUR,
  });
  net.upsertInventory({
    depotId: 'D-BDG',
    sku: 'P200-BRG-KIT',
    onHand: opts.bandungBearingKits ?? 2,
    reorderPoint: 1,
    leadTimeMs: 2 * HOUR,
  });
  service.customers.registerDevices([
    { deviceId: 'pump-jkt-1', modelId: 'pump-p200', siteId: 'S-JKT' },
    { deviceId: 'pump-jkt-2', modelId: 'pump-p200', siteId: 'S-JKT' },
    { deviceId: 'pump-bdg-1', modelId: 'pump-p200', siteId: 'S-BDG' },
  ]);
}

export function health(
  deviceId: string,
  state: HealthReport['state'] = 'warning',
  mode: FailureMode = 'bearing_wear',
): HealthReport {
  return {
    deviceId,
    tsMs: 0,
    score: 35,
    state,
    mode,
    metric: 'vibration',
    rule: 'trend-forecast',
    evidence: { latest: 5.1 },
    explanation: 'vibration trending to zone D',
  };
}

export function dispatchRequest(
  deviceId: string,
  mode: FailureMode = 'bearing_wear',
  predictedFailureAtMs: number | null = null,
): DispatchRequest {
  return { deviceId, mode, tsMs: 0, health: health(deviceId, 'warning', mode), predictedFailureAtMs };
}

/**
 * A manufacturer's own product, as issue 15 describes it: a booster pump whose pressure (bar)
 * fails below 2.0, flow (L/min) below 20, motor current (A) above 30, with a temperature.
 */
export function boosterPump(): ProductModel {
  return {
    id: 'booster-b40',
    name: 'Booster pump B40',
    kind: 'pump',
    metrics: [
      { name: 'pressure', unit: 'bar', physicalRange: [0, 16], normalRange: [3, 6], ratedLimits: { lower: 2 } },
      { name: 'flow', unit: 'L/min', physicalRange: [0, 400], normalRange: [40, 120], ratedLimits: { lower: 20 } },
      { name: 'current', unit: 'A', physicalRange: [0, 80], normalRange: [10, 22], ratedLimits: { upper: 30 } },
      { name: 'temperature', unit: '°C', physicalRange: [-40, 150], normalRange: [20, 60], ratedLimits: {} },
    ],
    failureModes: [
      {
        id: 'seal_leak',
        name: 'Mechanical seal leak',
        signature: [
          { metric: 'pressure', direction: 'down' },
          { metric: 'flow', direction: 'down' },
        ],
        parts: [{ sku: 'B40-SEAL-KIT', name: 'Seal kit B40', quantity: 1 }],
        skill: 'mechanical-seal',
        repairHours: 3,
      },
      {
        id: 'motor_overload',
        name: 'Motor overload',
        signature: [{ metric: 'current', direction: 'up' }],
        parts: [],
        skill: 'electrical',
        repairHours: 2,
      },
    ],
    running: { metric: 'current', stoppedBelow: 2 },
    warrantyMonths: 18,
    serviceInterval: { days: 180 },
  };
}
