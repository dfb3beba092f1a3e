import { describe, expect, it } from 'vitest';
import { deviceModel, ISO10816_ZONES_MM_S } from '../../core/device-models.ts';
import { groundTruth, groundTruthCsv, planFleet } from '../../device-sim/plan.ts';
import { createSeries, DeviceSeries, type SimDeviceSpec, TRIP_AFTER_FAILURE_MS } from '../../device-sim/series.ts';

const START = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

function run(spec: SimDeviceSpec, seed: number, stepMs: number, untilMs: number) {
  const s = new DeviceSeries(spec, seed);
  const out: { ts: number; v: Record<string, number> | null }[] = [];
  for (let ts = START; ts <= untilMs; ts += stepMs) out.push({ ts, v: s.sample(ts) });
  return out;
}

describe('seeded series', () => {
  it('same seed, same series; another seed, another series', () => {
    const spec: SimDeviceSpec = { deviceId: 'pump-0001', modelId: 'pump-p200', profile: 'healthy' };
    const a = run(spec, 7, 60_000, START + DAY);
    expect(run(spec, 7, 60_000, START + DAY)).toEqual(a);
    expect(run(spec, 8, 60_000, START + DAY)).not.toEqual(a);
    expect(
      planFleet({ devices: 50, seed: 3, faults: { machine: 0.2, sensor: 0.1, connectivity: 0.1 }, startMs: START }),
    ).toEqual(
      planFleet({ devices: 50, seed: 3, faults: { machine: 0.2, sensor: 0.1, connectivity: 0.1 }, startMs: START }),
    );
  });

  it('a healthy device looks healthy: ISO zone A/B vibration, temperature well below rated, with a load and daily cycle', () => {
    for (const modelId of ['pump-p200', 'compressor-c75', 'motor-m15']) {
      const model = deviceModel(modelId);
      const rows = run({ deviceId: `${model.kind}-0009`, modelId, profile: 'healthy' }, 1, 300_000, START + 7 * DAY);
      const vib = rows.map((r) => r.v!.vibration);
      const temp = rows.map((r) => r.v!.temperature);
      expect(Math.max(...vib)).toBeLessThan(ISO10816_ZONES_MM_S[model.machineClass].bc);
      expect(Math.max(...temp)).toBeLessThan(model.ratedMaxTemperatureC - 10);
      expect(Math.max(...temp) - Math.min(...temp)).toBeGreaterThan(4); // load and ambient move it
    }
  });
});

describe('fault profiles and their signatures', () => {
  const failureMs = START + 20 * DAY;
  it('bearing wear: vibration rises slowly, then crosses the ISO zone C/D boundary near the recorded failure time', () => {
    const spec: SimDeviceSpec = {
      deviceId: 'pump-0002',
      modelId: 'pump-p200',
      profile: 'bearing_wear',
      onsetMs: failureMs - 14 * DAY,
      failureMs,
    };
    const rows = run(spec, 5, 600_000, failureMs + 5 * 3600_000);
    // …and a failed machine trips a few hours later: it reports nothing more.
    expect(run(spec, 5, 600_000, failureMs + 7 * 3600_000).at(-1)!.v).toBeNull();
    const cd = ISO10816_ZONES_MM_S.II.cd;
    // Hourly means, so one noisy sample does not decide.
    const hourly: { ts: number; v: number }[] = [];
    for (let i = 0; i + 6 <= rows.length; i += 6)
      hourly.push({ ts: rows[i].ts, v: rows.slice(i, i + 6).reduce((a, r) => a + r.v!.vibration, 0) / 6 });
    const crossing = hourly.find((h) => h.v >= cd)!;
    expect(Math.abs(crossing.ts - failureMs)).toBeLessThan(12 * 3600_000);
    const halfway = hourly.find((h) => h.ts >= failureMs - 7 * DAY)!;
    expect(halfway.v).toBeLessThan(2.8); // still zone B halfway: slow at first
  });

  it('cooling failure: temperature passes the rated maximum near the failure time', () => {
    const spec: SimDeviceSpec = {
      deviceId: 'compressor-0003',
      modelId: 'compressor-c75',
      profile: 'cooling_failure',
      onsetMs: failureMs - 5 * DAY,
      failureMs,
    };
    const rows = run(spec, 5, 600_000, failureMs + 5 * 3600_000);
    const first = rows.find((r) => r.v!.temperature >= 105)!;
    expect(Math.abs(first.ts - failureMs)).toBeLessThan(DAY);
    expect(rows.find((r) => r.ts >= failureMs - 5 * DAY)!.v!.temperature).toBeLessThan(95);
  });

  it('a stuck sensor repeats its value; spikes leave the physical range; offline sends nothing', () => {
    const onsetMs = START + 2 * DAY;
    const stuck = run(
      { deviceId: 'motor-0004', modelId: 'motor-m15', profile: 'stuck_sensor', onsetMs, faultMetric: 'vibration' },
      9,
      60_000,
      START + 3 * DAY,
    );
    const after = stuck.filter((r) => r.ts >= onsetMs).map((r) => r.v!.vibration);
    expect(new Set(after).size).toBe(1);
    expect(new Set(stuck.filter((r) => r.ts < onsetMs).map((r) => r.v!.vibration)).size).toBeGreaterThan(100);

    const spikes = run(
      { deviceId: 'motor-0005', modelId: 'motor-m15', profile: 'spikes', onsetMs, faultMetric: 'vibration' },
      9,
      60_000,
      START + 3 * DAY,
    );
    const out = spikes.filter((r) => r.v!.vibration > deviceModel('motor-m15').physicalRange.vibrationMmS[1]);
    expect(out.length).toBeGreaterThan(5);
    expect(out.every((r) => r.ts >= onsetMs)).toBe(true);

    const offline = run(
      { deviceId: 'motor-0006', modelId: 'motor-m15', profile: 'offline', onsetMs },
      9,
      60_000,
      START + 3 * DAY,
    );
    expect(offline.filter((r) => r.ts >= onsetMs).every((r) => r.v === null)).toBe(true);
    expect(offline.filter((r) => r.ts < onsetMs).every((r) => r.v !== null)).toBe(true);
  });

  it('the plan seeds each class of fault and its ground truth names mode, onset and failure', () => {
    const specs = planFleet({
      devices: 100,
      seed: 11,
      startMs: START,
      durationMs: 30 * DAY,
      faults: { machine: 0.1, sensor: 0.06, connectivity: 0.04 },
    });
    const truth = groundTruth(specs);
    expect(truth.filter((t) => t.class === 'machine').length).toBe(10);
    expect(truth.filter((t) => t.class === 'sensor').length).toBe(6);
    expect(truth.filter((t) => t.class === 'connectivity').length).toBe(4);
    for (const t of truth.filter((x) => x.class === 'machine')) {
      expect(t.failureMs!).toBeGreaterThan(t.onsetMs);
      expect(t.failureMs!).toBeLessThanOrEqual(START + 30 * DAY);
    }
    expect(new Set(truth.map((t) => t.mode))).toEqual(
      new Set(['bearing_wear', 'cooling_failure', 'lubrication_loss', 'sensor_fault', 'intermittent', 'offline']),
    );
    expect(groundTruthCsv(truth).split('\n')[0]).toBe('deviceId,modelId,profile,class,mode,onset,failure,metric');
    // The truth names the faulty sensor of a sensor fault, and nothing for the others.
    for (const t of truth) expect(t.metric === null).toBe(t.class !== 'sensor');
  });

  it('sensor drifts take turns, vibration then temperature, whatever the seed (the coin gave seed 2026 five vibration drifts)', () => {
    for (const seed of [1, 2, 2026]) {
      const specs = planFleet({
        devices: 300,
        seed,
        startMs: START,
        durationMs: 30 * DAY,
        faults: { machine: 0.1, sensor: 0.05, connectivity: 0.04 },
      });
      const drifts = groundTruth(specs).filter((t) => t.profile === 'sensor_drift');
      expect(drifts.filter((t) => t.metric === 'vibration').length).toBe(3);
      expect(drifts.filter((t) => t.metric === 'temperature').length).toBe(2);
      // The drifting sensor's readings move, the other's do not (its series is the healthy one's).
      const spec = specs.find((s) => s.deviceId === drifts.find((t) => t.metric === 'temperature')!.deviceId)!;
      const healthy = new DeviceSeries({ ...spec, profile: 'healthy' }, seed);
      const drifting = new DeviceSeries(spec, seed);
      const ts = spec.onsetMs! + 2 * DAY;
      const [h, d] = [healthy.sample(ts)!, drifting.sample(ts)!];
      expect(Math.abs(d.temperature - h.temperature)).toBeCloseTo(8, 1);
      expect(d.vibration).toBe(h.vibration);
    }
  });
});

describe('createSeries (the library cursor for benchmarks)', () => {
  it('steps through time with the same readings as the device series, null values in gaps, null past the end', () => {
    const spec: SimDeviceSpec = {
      deviceId: 'motor-0007',
      modelId: 'motor-m15',
      profile: 'offline',
      onsetMs: START + 3600_000,
    };
    const cursor = createSeries(spec, 4, { startMs: START, stepMs: 60_000, endMs: START + 2 * 3600_000 });
    const direct = new DeviceSeries(spec, 4);
    const rows = [];
    for (let r = cursor.next(); r; r = cursor.next()) rows.push(r);
    expect(rows.length).toBe(121);
    expect(rows.map((r) => r.tsMs)).toEqual(rows.map((_, i) => START + i * 60_000));
    expect(rows).toEqual(rows.map((r) => ({ tsMs: r.tsMs, values: direct.sample(r.tsMs) })));
    expect(rows.filter((r) => r.values === null).length).toBe(61); // from the onset (minute 60) to the end (minute 120), both included
    expect(cursor.next()).toBeNull();
    expect(() => createSeries(spec, 4, { startMs: START, stepMs: 0 })).toThrow(RangeError);
  });
});

describe('the demo fleet of npm start', () => {
  it('exactly two of 20 devices degrade, one bearing wear and one cooling failure, reaching their thresholds within ~2.5 minutes; the rest stay healthy', () => {
    const specs = planFleet({ devices: 20, seed: 42, demo: true, startMs: START });
    expect(specs.map((s) => s.deviceId)).toEqual(
      planFleet({ devices: 20, seed: 7, demo: true }).map((s) => s.deviceId),
    ); // ids do not depend on seed or clock
    expect(
      specs.every(
        (s) => /^(pump|compressor|motor)-\d{4}$/.test(s.deviceId) && s.deviceId.startsWith(deviceModel(s.modelId).kind),
      ),
    ).toBe(true);
    const faulty = specs.filter((s) => s.profile !== 'healthy');
    expect(faulty.map((s) => s.profile).sort()).toEqual(['bearing_wear', 'cooling_failure']);
    // One reading a second at speed 1, as npm start runs it.
    const firstCrossing = (spec: SimDeviceSpec, over: (v: Record<string, number>) => boolean) => {
      const c = createSeries(spec, 42, { startMs: START, stepMs: 1000, endMs: START + 300_000 });
      for (let r = c.next(); r; r = c.next()) if (r.values && over(r.values)) return (r.tsMs - START) / 1000;
      return Infinity;
    };
    for (const spec of faulty) {
      const model = deviceModel(spec.modelId);
      const onsetS = (spec.onsetMs! - START) / 1000;
      expect(onsetS).toBeGreaterThanOrEqual(20);
      expect(onsetS).toBeLessThanOrEqual(60);
      const crossedS =
        spec.profile === 'bearing_wear'
          ? firstCrossing(spec, (v) => v.vibration >= ISO10816_ZONES_MM_S[model.machineClass].cd)
          : firstCrossing(spec, (v) => v.temperature >= model.ratedMaxTemperatureC);
      expect(crossedS).toBeGreaterThan(90);
      expect(crossedS).toBeLessThan(170);
    }
    for (const spec of specs.filter((s) => s.profile === 'healthy')) {
      const model = deviceModel(spec.modelId);
      const c = createSeries(spec, 42, { startMs: START, stepMs: 1000, endMs: START + 600_000 });
      for (let r = c.next(); r; r = c.next()) {
        expect(r.values!.vibration).toBeLessThan(ISO10816_ZONES_MM_S[model.machineClass].bc);
        expect(r.values!.temperature).toBeLessThan(model.ratedMaxTemperatureC - 10);
      }
    }
  });
});

describe('more fault signatures', () => {
  const failureMs = START + 20 * DAY;
  it('lubrication loss raises both vibration and temperature towards their limits by the failure time', () => {
    const spec: SimDeviceSpec = {
      deviceId: 'pump-0010',
      modelId: 'pump-p200',
      profile: 'lubrication_loss',
      onsetMs: failureMs - 6 * DAY,
      failureMs,
    };
    const rows = run(spec, 5, 600_000, failureMs);
    const early = rows.filter((r) => r.ts < failureMs - 6 * DAY);
    const last = rows.slice(-6);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(last.map((r) => r.v!.vibration))).toBeGreaterThan(ISO10816_ZONES_MM_S.II.cd * 0.9);
    expect(mean(last.map((r) => r.v!.temperature))).toBeGreaterThan(deviceModel('pump-p200').ratedMaxTemperatureC - 5);
    expect(Math.max(...early.map((r) => r.v!.vibration))).toBeLessThan(ISO10816_ZONES_MM_S.II.bc);
  });

  it('a sudden failure gives little warning: zone B until the last hours, zone D at the failure time', () => {
    const spec: SimDeviceSpec = {
      deviceId: 'motor-0011',
      modelId: 'motor-m15',
      profile: 'sudden_failure',
      onsetMs: failureMs - 2 * 3600_000,
      failureMs,
    };
    const rows = run(spec, 5, 60_000, failureMs + 3600_000);
    const cls = ISO10816_ZONES_MM_S.I;
    expect(Math.max(...rows.filter((r) => r.ts < failureMs - 3600_000).map((r) => r.v!.vibration))).toBeLessThan(
      cls.bc,
    );
    expect(rows.filter((r) => r.ts >= failureMs).every((r) => r.v!.vibration > cls.cd)).toBe(true);
  });

  it('a drifting sensor walks away from the truth day by day; intermittent connectivity leaves gaps after onset only', () => {
    const onsetMs = START + DAY;
    const spec: SimDeviceSpec = {
      deviceId: 'compressor-0012',
      modelId: 'compressor-c75',
      profile: 'sensor_drift',
      onsetMs,
      faultMetric: 'temperature',
      driftSign: 1,
    };
    const drift = run(spec, 5, 3600_000, START + 6 * DAY);
    const healthy = run({ ...spec, profile: 'healthy' }, 5, 3600_000, START + 6 * DAY);
    const diffs = drift.map((r, i) => r.v!.temperature - healthy[i].v!.temperature);
    expect(diffs.slice(0, 24).every((d) => d === 0)).toBe(true);
    expect(diffs.at(-1)!).toBeGreaterThan(15); // ~4 °C a day for 5 days
    expect(drift.map((r) => r.v!.vibration)).toEqual(healthy.map((r) => r.v!.vibration));

    const flaky = run(
      { deviceId: 'pump-0013', modelId: 'pump-p200', profile: 'intermittent', onsetMs },
      5,
      60_000,
      START + 3 * DAY,
    );
    expect(flaky.filter((r) => r.ts < onsetMs).every((r) => r.v !== null)).toBe(true);
    const gaps = flaky.filter((r) => r.ts >= onsetMs && r.v === null).length;
    expect(gaps).toBeGreaterThan(100);
    expect(gaps).toBeLessThan(flaky.filter((r) => r.ts >= onsetMs).length / 2);
  });
});

describe('on/off duty', () => {
  it('a cycling machine runs its share of the time; stopped, it barely vibrates and cools towards ambient', () => {
    const spec: SimDeviceSpec = {
      deviceId: 'motor-0020',
      modelId: 'motor-m15',
      profile: 'healthy',
      duty: { onH: 8, offH: 4 },
    };
    const s = new DeviceSeries(spec, 3);
    const model = deviceModel('motor-m15');
    const rows: { running: boolean; v: Record<string, number> }[] = [];
    for (let ts = START; ts < START + 4 * DAY; ts += 60_000) rows.push({ running: s.running(ts), v: s.sample(ts)! });
    const share = rows.filter((r) => r.running).length / rows.length;
    expect(share).toBeGreaterThan(0.6);
    expect(share).toBeLessThan(0.73);
    // Three hours into a stop (the motor's thermal time constant is 10 min): no vibration to speak of, near ambient.
    const deepStops = rows.filter((_r, i) => i >= 180 && rows.slice(i - 180, i + 1).every((x) => !x.running));
    expect(deepStops.length).toBeGreaterThan(60);
    for (const r of deepStops) {
      expect(r.v.vibration).toBeLessThan(0.2);
      expect(r.v.temperature).toBeLessThan(model.healthy.ambientC + 3 + 2 + 1); // ambient swing, per-device offset, noise
    }
    const runningVib = rows.filter((r) => r.running).map((r) => r.v.vibration);
    expect(Math.min(...runningVib)).toBeGreaterThan(0.5);
  });

  it('the plan puts a share of the fleet on a duty without moving any seeded fault', () => {
    const base = {
      devices: 200,
      seed: 5,
      startMs: START,
      durationMs: 30 * DAY,
      faults: { machine: 0.1, sensor: 0.05, connectivity: 0.05 },
    };
    const plain = planFleet(base);
    const cycling = planFleet({ ...base, cycling: 0.5 });
    expect(plain.every((s) => s.duty === undefined)).toBe(true);
    const n = cycling.filter((s) => s.duty).length;
    expect(n).toBeGreaterThan(70);
    expect(n).toBeLessThan(130);
    expect(groundTruth(cycling)).toEqual(groundTruth(plain));
    expect(
      planFleet({ devices: 20, seed: 42, demo: true, cycling: 1 })
        .filter((s) => s.profile !== 'healthy')
        .every((s) => !s.duty),
    ).toBe(true);
  });
});

describe('the demo fleet after its failures', () => {
  it('keeps every reading within what its sensors can read until the machine trips', () => {
    // npm start's pump fails 150 s in and its compressor 120 s in; both run on until they trip
    // (TRIP_AFTER_FAILURE_MS). Before, their degradation went on growing past the failure:
    // vibration 430 mm/s and 314 °C within 12 minutes, every reading refused by ingest as a sensor
    // fault, logged twice a second for six hours.
    const specs = planFleet({ devices: 20, seed: 42, demo: true, startMs: START });
    const failing = specs.filter((s) => s.failureMs !== undefined);
    expect(failing.map((s) => s.profile).sort()).toEqual(['bearing_wear', 'cooling_failure']);
    for (const spec of failing) {
      const model = deviceModel(spec.modelId);
      const [tLo, tHi] = model.physicalRange.temperatureC;
      const [vLo, vHi] = model.physicalRange.vibrationMmS;
      const rows = run(spec, 42, 10_000, spec.failureMs! + TRIP_AFTER_FAILURE_MS - 10_000);
      for (const { ts, v } of rows) {
        if (!v) continue;
        expect(v.temperature, `${spec.deviceId} at +${(ts - START) / 1000} s`).toBeGreaterThanOrEqual(tLo);
        expect(v.temperature, `${spec.deviceId} at +${(ts - START) / 1000} s`).toBeLessThanOrEqual(tHi);
        expect(v.vibration, `${spec.deviceId} at +${(ts - START) / 1000} s`).toBeGreaterThanOrEqual(vLo);
        expect(v.vibration, `${spec.deviceId} at +${(ts - START) / 1000} s`).toBeLessThanOrEqual(vHi);
      }
      // Still failed: past its limit at the end, as at the failure.
      const last = rows.at(-1)!.v!;
      if (spec.profile === 'bearing_wear')
        expect(last.vibration).toBeGreaterThan(ISO10816_ZONES_MM_S[model.machineClass].cd);
      else expect(last.temperature).toBeGreaterThan(model.ratedMaxTemperatureC);
    }
  });
});
