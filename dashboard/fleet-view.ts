import type { EventBus } from '../core/event-bus.ts';
import type { DeviceConnectionStatus, HealthReport, MetricValues, Reading, WorkOrder } from '../core/types.ts';

/** What the dashboard shows of one device: its identity, latest values, health and connection. */
export interface DeviceSummary {
  deviceId: string;
  modelId: string | null;
  /** Where it is installed (from the service registry), for the planner's site filter. */
  site: string | null;
  /** The site's IANA time zone (Asia/Jakarta): times of this device are shown in it. */
  timeZone: string | null;
  /** Where the site is (WGS 84 degrees), for the board's map; null without a site. */
  lat?: number | null;
  lon?: number | null;
  latest: MetricValues;
  /** Device time of the latest reading, epoch ms. */
  latestTsMs: number | null;
  health: HealthReport | null;
  status: DeviceConnectionStatus | 'unknown';
  /**
   * The latest physically impossible value the device sent: ingest rejected that message as a
   * sensor fault, so it is never among the latest values.
   */
  sensorFault: { metric: string; value: number; tsMs: number; reason: string } | null;
}

/**
 * The dashboard's read model of the fleet, kept up to date from bus events. It remembers which
 * devices changed since the last `takeChanges()` so live updates go out as batched deltas.
 */
export class FleetView {
  readonly #bus: EventBus;
  readonly #devices = new Map<string, DeviceSummary>();
  readonly #changedDevices = new Set<string>();
  readonly #changedOrders = new Map<string, WorkOrder>();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(bus: EventBus) {
    this.#bus = bus;
  }

  start(): void {
    this.#unsubscribe.push(
      this.#bus.on('telemetry', (readings) => this.#onReadings(readings)),
      this.#bus.on('health', (report) => {
        this.#device(report.deviceId).health = report;
        this.#changedDevices.add(report.deviceId);
      }),
      this.#bus.on('deviceStatus', (e) => {
        this.#device(e.deviceId).status = e.status;
        this.#changedDevices.add(e.deviceId);
      }),
      this.#bus.on('sensorFault', (report) => {
        const last = report.readings.at(-1);
        if (!last) return;
        const metric = Object.keys(last.values)[0];
        this.#device(report.deviceId).sensorFault = {
          metric,
          value: last.values[metric],
          tsMs: last.tsMs,
          reason: report.reason,
        };
        this.#changedDevices.add(report.deviceId);
      }),
      this.#bus.on('workOrder', (order) => this.#changedOrders.set(order.id, order)),
    );
  }

  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** Registers known devices (from the service registry) so they show before their first reading. */
  register(
    devices: readonly {
      deviceId: string;
      modelId: string | null;
      site?: string | null;
      timeZone?: string | null;
      lat?: number | null;
      lon?: number | null;
    }[],
  ): void {
    for (const d of devices) {
      const summary = this.#device(d.deviceId);
      summary.modelId = d.modelId;
      if (d.site !== undefined) summary.site = d.site;
      if (d.timeZone !== undefined) summary.timeZone = d.timeZone;
      if (d.lat !== undefined) summary.lat = d.lat;
      if (d.lon !== undefined) summary.lon = d.lon;
    }
  }

  list(): DeviceSummary[] {
    return [...this.#devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  get(deviceId: string): DeviceSummary | undefined {
    return this.#devices.get(deviceId);
  }

  /**
   * A verdict another worker's analytics made (with several workers each judges its own devices):
   * into this read model, so this worker's snapshots and deltas show the whole fleet. An older
   * one than the device's current health (a late message, a previous owner's) changes nothing.
   */
  applyRemoteHealth(report: HealthReport): void {
    const d = this.#device(report.deviceId);
    if (d.health && d.health.tsMs > report.tsMs) return;
    d.health = report;
    this.#changedDevices.add(report.deviceId);
  }

  /** Device summaries and work orders changed since the previous call. */
  takeChanges(): { devices: DeviceSummary[]; workOrders: WorkOrder[] } {
    const devices: DeviceSummary[] = [];
    for (const id of this.#changedDevices) devices.push(this.#devices.get(id)!);
    this.#changedDevices.clear();
    const workOrders = [...this.#changedOrders.values()];
    this.#changedOrders.clear();
    return { devices, workOrders };
  }

  #onReadings(readings: readonly Reading[]): void {
    for (const r of readings) {
      const d = this.#device(r.deviceId);
      // Out-of-order (buffered) readings must not roll the latest values back.
      if (d.latestTsMs !== null && r.tsMs < d.latestTsMs) continue;
      Object.assign(d.latest, r.values);
      d.latestTsMs = r.tsMs;
      if (d.status === 'unknown' || d.status === 'silent') d.status = 'online';
      this.#changedDevices.add(r.deviceId);
    }
  }

  #device(deviceId: string): DeviceSummary {
    let d = this.#devices.get(deviceId);
    if (!d) {
      d = {
        deviceId,
        modelId: null,
        site: null,
        timeZone: null,
        latest: {},
        latestTsMs: null,
        health: null,
        status: 'unknown',
        sensorFault: null,
      };
      this.#devices.set(deviceId, d);
    }
    return d;
  }
}
