// The simulator plays any catalogue model from its data: healthy values inside the normal ranges,
// a failure mode's signature as degradation that reaches the rated limit (down, up, either side of
// a two-sided metric) at the failure time, and real analytics reads the result as that mode.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import {
  type ProductModel,
  type ProductModelVersion,
  seedProductModels,
  validateProductModel,
} from '../../core/product-catalogue.ts';
import type { DispatchRequest } from '../../core/types.ts';
import { CatalogueSeries, modelsFromJson, planCatalogueFleet } from '../../device-sim/catalogue-model.ts';
import { groundTruth } from '../../device-sim/plan.ts';
import type { SimDeviceSpec } from '../../device-sim/series.ts';

const START = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const STEP = 5 * 60_000;
const FILE = fileURLToPath(new URL('../../device-sim/examples/catalogue.json', import.meta.url));
const MODELS = modelsFromJson(JSON.parse(readFileSync(FILE, 'utf8')));
const model = (id: string) => MODELS.find((m) => m.id === id)!;

function run(m: ProductModel, spec: SimDeviceSpec, untilMs: number, seed = 1) {
  const s = new CatalogueSeries(m, spec, seed);
  const out: { ts: number; v: Record<string, number> | null }[] = [];
  for (let ts = START; ts <= untilMs; ts += STEP) out.push({ ts, v: s.sample(ts) });
  return out;
}

describe('catalogue models in the simulator', () => {
  it('the example catalogue is valid: a booster pump and a belt-driven fan with a two-sided speed', () => {
    expect(MODELS.map((m) => m.id)).toEqual(['booster-b40', 'ahu-fan-f30']);
    for (const m of MODELS) expect(validateProductModel(m).errors).toEqual([]);
    expect(model('ahu-fan-f30').metrics.find((m) => m.name === 'speed')!.ratedLimits).toEqual({
      lower: 1300,
      upper: 1560,
    });
  });

  it('a healthy device reports every metric its model declares, inside its normal range, the same for the same seed', () => {
    for (const m of [...MODELS, ...seedProductModels()]) {
      const spec: SimDeviceSpec = { deviceId: `${m.id}-0001`, modelId: m.id, profile: 'healthy' };
      const rows = run(m, spec, START + 7 * DAY);
      expect(run(m, spec, START + 7 * DAY)).toEqual(rows);
      expect(run(m, spec, START + 7 * DAY, 2)).not.toEqual(rows);
      for (const metric of m.metrics) {
        const v = rows.map((r) => r.v![metric.name]);
        expect(v.every(Number.isFinite), `${m.id}.${metric.name}`).toBe(true);
        expect(Math.min(...v), `${m.id}.${metric.name}`).toBeGreaterThanOrEqual(metric.normalRange[0]);
        expect(Math.max(...v), `${m.id}.${metric.name}`).toBeLessThanOrEqual(metric.normalRange[1]);
        // It is a signal, not a constant: noise and load move it.
        expect(new Set(v).size, `${m.id}.${metric.name}`).toBeGreaterThan(10);
      }
      expect(Object.keys(rows[0].v!).sort()).toEqual(m.metrics.map((x) => x.name).sort());
    }
  });

  it('a failure mode moves its signature metrics their way and reaches the rated limit at the failure time: down, up, and both sides of one metric', () => {
    const cases = [
      { modelId: 'booster-b40', mode: 'seal_leak', moved: { pressure: 'down', flow: 'down' }, still: ['current'] },
      { modelId: 'booster-b40', mode: 'motor_overload', moved: { current: 'up', temperature: 'up' }, still: ['flow'] },
      { modelId: 'ahu-fan-f30', mode: 'belt_slip', moved: { speed: 'down', current: 'down' }, still: ['vibration'] },
      { modelId: 'ahu-fan-f30', mode: 'overspeed', moved: { speed: 'up' }, still: ['current', 'vibration'] },
    ] as const;
    for (const c of cases) {
      const m = model(c.modelId);
      const onsetMs = START + 2 * DAY;
      const failureMs = START + 8 * DAY;
      const spec: SimDeviceSpec = {
        deviceId: `${c.modelId}-0002`,
        modelId: c.modelId,
        profile: 'degradation',
        failureMode: c.mode,
        onsetMs,
        failureMs,
        shape: 1,
      };
      const rows = run(m, spec, failureMs + 2 * 3600_000);
      // Mean of an hour of readings around a moment (the noise averaged out).
      const mean = (metric: string, ts: number) => {
        const v = rows.filter((r) => Math.abs(r.ts - ts) <= 1800_000).map((r) => r.v![metric]);
        return v.reduce((a, b) => a + b, 0) / v.length;
      };
      for (const [metric, direction] of Object.entries(c.moved)) {
        const spec = m.metrics.find((x) => x.name === metric)!;
        const before = mean(metric, onsetMs - 3600_000);
        const end = mean(metric, failureMs - 1800_000);
        if (direction === 'down') expect(end, `${c.mode} ${metric}`).toBeLessThan(before);
        else expect(end, `${c.mode} ${metric}`).toBeGreaterThan(before);
        const limit = direction === 'down' ? spec.ratedLimits.lower : spec.ratedLimits.upper;
        if (limit === undefined) continue;
        // Healthy a day before the failure, past the limit once it has failed.
        const dayBefore = mean(metric, failureMs - DAY);
        if (direction === 'down') {
          expect(dayBefore, `${c.mode} ${metric}`).toBeGreaterThan(limit);
          expect(mean(metric, failureMs + 5400_000), `${c.mode} ${metric}`).toBeLessThan(limit);
        } else {
          expect(dayBefore, `${c.mode} ${metric}`).toBeLessThan(limit);
          expect(mean(metric, failureMs + 5400_000), `${c.mode} ${metric}`).toBeGreaterThan(limit);
        }
      }
      for (const metric of c.still) {
        const spec = m.metrics.find((x) => x.name === metric)!;
        const v = rows.map((r) => r.v![metric]);
        expect(Math.min(...v), `${c.mode} ${metric}`).toBeGreaterThanOrEqual(spec.normalRange[0]);
        expect(Math.max(...v), `${c.mode} ${metric}`).toBeLessThanOrEqual(spec.normalRange[1]);
      }
    }
  });

  it('a planned fleet degrades machines along their own failure modes, and sensor faults hit their metrics', () => {
    const specs = planCatalogueFleet(MODELS, {
      devices: 60,
      seed: 9,
      startMs: START,
      durationMs: 30 * DAY,
      faults: { machine: 0.2, sensor: 0.1, connectivity: 0.05 },
      idPrefix: 'sim-',
    });
    expect(specs.slice(0, 3).map((s) => s.deviceId)).toEqual([
      'sim-booster-b40-0001',
      'sim-ahu-fan-f30-0002',
      'sim-booster-b40-0003',
    ]);
    const truth = groundTruth(specs);
    const machine = truth.filter((t) => t.class === 'machine');
    expect(machine).toHaveLength(12);
    for (const t of machine) {
      expect(model(t.modelId).failureModes.map((f) => f.id)).toContain(t.mode);
      expect(t.failureMs! - t.onsetMs).toBeGreaterThanOrEqual(3 * DAY);
    }
    // Each model's modes in turn: the fan's four all come up.
    expect(new Set(machine.filter((t) => t.modelId === 'ahu-fan-f30').map((t) => t.mode)).size).toBe(4);
    for (const s of specs.filter((x) => ['sensor_drift', 'stuck_sensor', 'spikes'].includes(x.profile)))
      expect(model(s.modelId).metrics.map((m) => m.name)).toContain(s.faultMetric);
    expect(
      planCatalogueFleet(MODELS, {
        devices: 60,
        seed: 9,
        startMs: START,
        faults: { machine: 0.2, sensor: 0, connectivity: 0 },
      }),
    ).toEqual(
      planCatalogueFleet(MODELS, {
        devices: 60,
        seed: 9,
        startMs: START,
        faults: { machine: 0.2, sensor: 0, connectivity: 0 },
      }),
    );
  });

  it('analytics dispatches a simulated seal leak as the model’s seal leak, ahead of the failure, and leaves a healthy twin alone', async () => {
    const m = model('booster-b40');
    const version: ProductModelVersion = { ...m, version: 1, updatedBy: 'test', updatedAt: '2026-01-01T00:00:00Z' };
    const bus = new EventBus();
    const analytics = new Analytics({
      bus,
      log: createLogger('silent'),
      modelOf: () => version,
      leadTimeMs: 48 * 3600_000,
    });
    analytics.start();
    const dispatches: DispatchRequest[] = [];
    bus.on('dispatch', (d) => dispatches.push(d));
    const failureMs = START + 14 * DAY;
    const leaking = new CatalogueSeries(
      m,
      {
        deviceId: 'b-0001',
        modelId: m.id,
        profile: 'degradation',
        failureMode: 'seal_leak',
        onsetMs: failureMs - 7 * DAY,
        failureMs,
      },
      4,
    );
    const healthy = new CatalogueSeries(m, { deviceId: 'b-0002', modelId: m.id, profile: 'healthy' }, 4);
    for (let ts = START; ts <= failureMs; ts += STEP) {
      bus.emit('telemetry', [
        { deviceId: 'b-0001', tsMs: ts, values: leaking.sample(ts)! },
        { deviceId: 'b-0002', tsMs: ts, values: healthy.sample(ts)! },
      ]);
    }
    analytics.stop();
    expect(dispatches.map((d) => d.deviceId)).toEqual(['b-0001']);
    expect(dispatches[0]).toMatchObject({
      mode: 'seal_leak',
      skill: 'mechanical-seal',
      health: { metric: 'pressure' },
    });
    expect(dispatches[0].parts?.map((p) => p.sku)).toEqual(['B40-SEAL-KIT', 'B40-ORING-SET']);
    expect(failureMs - dispatches[0].tsMs).toBeGreaterThan(48 * 3600_000);
  });
});
