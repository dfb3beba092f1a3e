// A sensor whose reading drifts alone, with the machine otherwise unchanged, against a failure
// that moves the metrics its failure mode moves (rule `unexplained-drift`, verdict.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { deviceModel } from '../../core/device-models.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { ProductModelVersion } from '../../core/product-catalogue.ts';
import type { DispatchRequest, MetricValues } from '../../core/types.ts';
import { CatalogueSeries, modelsFromJson } from '../../device-sim/catalogue-model.ts';
import { DeviceSeries, type SimDeviceSpec } from '../../device-sim/series.ts';
import { DAY, START, STEP, streamAnalytics } from '../support/analytics-stream.ts';

const FILE = fileURLToPath(new URL('../../device-sim/examples/catalogue.json', import.meta.url));
const BOOSTER = modelsFromJson(JSON.parse(readFileSync(FILE, 'utf8'))).find((m) => m.id === 'booster-b40')!;
const BOOSTER_V1: ProductModelVersion = {
  ...BOOSTER,
  version: 1,
  updatedBy: 'test',
  updatedAt: '2026-01-01T00:00:00Z',
};

const stream = (sample: (tsMs: number) => MetricValues | null, days: number, catalogue: ProductModelVersion | null) =>
  streamAnalytics(sample, days, { catalogue });

function booster(spec: Omit<SimDeviceSpec, 'deviceId' | 'modelId'>, days: number) {
  const series = new CatalogueSeries(BOOSTER, { deviceId: 'booster-b40-0185', modelId: BOOSTER.id, ...spec }, 2026);
  return stream((ts) => series.sample(ts), days, BOOSTER_V1);
}

describe('a sensor drifting alone against a failure mode that moves several metrics', () => {
  it("a booster's temperature sensor drifting up while its current stays is sent a sensor check, not a motor overload", () => {
    // bench:fleet --fleet mixed's booster-b40-0185: dispatched as motor overload (current up, temperature up) before.
    const onsetMs = START + 4 * DAY;
    const { dispatches } = booster({ profile: 'sensor_drift', onsetMs, faultMetric: 'temperature', driftSign: 1 }, 12);
    expect(dispatches.map((d) => d.mode)).toEqual(['sensor_fault']);
    const d = dispatches[0];
    expect(d.health.rule).toBe('unexplained-drift');
    expect(d.health.metric).toBe('temperature');
    expect(d.health.explanation).toMatch(
      /while current stays at its normal: no failure mode of this model moves temperature alone/,
    );
    expect(d.tsMs).toBeGreaterThan(onsetMs);
  });

  it("the same booster's current sensor drifting up is a sensor check too", () => {
    const onsetMs = START + 4 * DAY;
    const { dispatches } = booster({ profile: 'sensor_drift', onsetMs, faultMetric: 'current', driftSign: 1 }, 12);
    expect(dispatches.map((d) => `${d.mode} ${d.health.rule} ${d.health.metric}`)).toEqual([
      'sensor_fault unexplained-drift current',
    ]);
  });

  it("the booster's motor overload, current and temperature rising together, is dispatched as motor overload, days ahead", () => {
    const failureMs = START + 12 * DAY;
    const { dispatches, health } = booster(
      { profile: 'degradation', failureMode: 'motor_overload', onsetMs: failureMs - 6 * DAY, failureMs, shape: 1.5 },
      12,
    );
    expect(dispatches.map((d) => d.mode)).toEqual(['motor_overload']);
    expect(failureMs - dispatches[0].tsMs).toBeGreaterThan(2 * DAY);
    expect(health.filter((h) => h.rule === 'unexplained-drift')).toEqual([]);
  });
});

describe('a metric moving the way no failure mode moves it', () => {
  const pump = (spec: Omit<SimDeviceSpec, 'deviceId' | 'modelId'>, days: number) => {
    const series = new DeviceSeries({ deviceId: 'pump-0244', modelId: 'pump-p200', ...spec }, 3);
    return stream((ts) => series.sample(ts), days, null);
  };

  it("a running pump's temperature sensor drifting down is a sensor fault (no failure mode cools a running machine)", () => {
    // bench:fleet seed 3's pump-0244: never dispatched in 30 days before; others found only once out of range, weeks later.
    const onsetMs = START + 4 * DAY;
    const { dispatches } = pump({ profile: 'sensor_drift', onsetMs, faultMetric: 'temperature', driftSign: -1 }, 12);
    expect(dispatches.map((d) => `${d.mode} ${d.health.rule}`)).toEqual(['sensor_fault unexplained-drift']);
    // 4 °C a day against a spread floor of 3 °C: 4 σ is 12 °C, three days.
    expect((dispatches[0].tsMs - onsetMs) / DAY).toBeGreaterThan(2);
    expect((dispatches[0].tsMs - onsetMs) / DAY).toBeLessThan(4.5);
    expect(dispatches[0].health.explanation).toMatch(
      /below this device's normal .* while the machine runs: no failure mode moves it that way/,
    );
  });

  it('a healthy pump for twelve days opens nothing', () => {
    expect(pump({ profile: 'healthy' }, 12).dispatches).toEqual([]);
  });
});

describe('a temperature that stays up through a stop', () => {
  // A motor on its 8 h on / 4 h off duty (the simulator's): a stopped machine cools to ambient
  // whatever its cooling; a sensor's offset stays.
  const motor = (spec: Omit<SimDeviceSpec, 'deviceId' | 'modelId'>, days: number) => {
    const series = new DeviceSeries(
      { deviceId: 'motor-0228', modelId: 'motor-m15', duty: { onH: 8, offH: 4 }, ...spec },
      2026,
    );
    const bus = new EventBus();
    const analytics = new Analytics({
      bus,
      log: createLogger('silent'),
      deviceModelOf: () => deviceModel('motor-m15'),
    });
    const dispatches: DispatchRequest[] = [];
    bus.on('dispatch', (d) => dispatches.push(d));
    analytics.start();
    for (let ts = START; ts <= START + days * DAY; ts += STEP) {
      const values = series.sample(ts);
      if (values) bus.emit('telemetry', [{ deviceId: 'motor-0228', tsMs: ts, values }]);
    }
    return dispatches;
  };

  it("a cycling motor's temperature sensor drifting up is a sensor offset, not a cooling failure", () => {
    // bench:fleet --cycling 1's motor-0228: sent as a cooling failure 65 h into its drift before.
    const onsetMs = START + 5 * DAY;
    const dispatches = motor({ profile: 'sensor_drift', onsetMs, faultMetric: 'temperature', driftSign: 1 }, 12);
    expect(dispatches.map((d) => `${d.mode} ${d.health.rule}`)).toEqual(['sensor_fault sensor-offset']);
    expect(dispatches[0].tsMs).toBeGreaterThan(onsetMs);
    expect(dispatches[0].health.explanation).toMatch(/once it has cooled in a stop .* an offset stays/);
  });

  it('its cooling failure (the excess fades in a stop) is dispatched as a cooling failure, days ahead', () => {
    const failureMs = START + 12 * DAY;
    const dispatches = motor({ profile: 'cooling_failure', onsetMs: failureMs - 6 * DAY, failureMs }, 12);
    expect(dispatches.map((d) => d.mode)).toEqual(['cooling_failure']);
    expect(failureMs - dispatches[0].tsMs).toBeGreaterThan(DAY);
  });
});
