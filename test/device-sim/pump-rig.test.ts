import { describe, expect, it } from 'vitest';
import {
  PUMP_RIG_METRICS,
  PUMP_RIG_SCENARIOS,
  PumpRig,
  type PumpRigSample,
  planPumpRig,
} from '../../device-sim/pump-rig.ts';

function all(seed: number, repeats = 1): PumpRigSample[] {
  const rig = new PumpRig(planPumpRig({ seed, repeats, trainingMs: 1800_000 }));
  const out: PumpRigSample[] = [];
  for (let s = rig.next(); s; s = rig.next()) out.push(s);
  return out;
}

describe('pump rig', () => {
  it('same seed, same samples; another seed, another run', () => {
    const a = all(3);
    expect(all(3)).toEqual(a);
    expect(all(4).slice(0, 100)).not.toEqual(a.slice(0, 100));
  });

  it('plans every scenario with ground truth inside its experiment, and labels exactly the fault spans', () => {
    const plan = planPumpRig({ seed: 2, repeats: 2 });
    expect(plan.experiments.map((e) => e.scenario).sort()).toEqual(
      [...PUMP_RIG_SCENARIOS, ...PUMP_RIG_SCENARIOS].sort(),
    );
    for (const e of plan.experiments) {
      expect(e.faultStartMs).toBeGreaterThan(e.startMs + (e.endMs - e.startMs) / 5);
      expect(e.faultEndMs).toBeLessThan(e.endMs);
      expect(e.driftMetric !== undefined).toBe(e.scenario === 'sensor_gain_drift');
    }
    const samples = all(2);
    const planned = planPumpRig({ seed: 2, repeats: 1, trainingMs: 1800_000 });
    for (const s of samples) {
      const e = planned.experiments[s.experiment];
      expect(s.fault).toBe(e !== undefined && s.tsMs >= e.faultStartMs && s.tsMs < e.faultEndMs);
      expect(Object.keys(s.values)).toEqual([...PUMP_RIG_METRICS]);
    }
  });

  it('a load point between 30 and 100 % moves every sensor with it', () => {
    const samples = all(5).filter((s) => !s.fault);
    const loads = samples.map((s) => s.load);
    expect(Math.min(...loads)).toBeGreaterThanOrEqual(0.3);
    expect(Math.max(...loads)).toBeLessThanOrEqual(1);
    expect(Math.max(...loads) - Math.min(...loads)).toBeGreaterThan(0.4);
    const low = samples.filter((s) => s.load < 0.5);
    const high = samples.filter((s) => s.load > 0.85);
    const mean = (rows: PumpRigSample[], m: (typeof PUMP_RIG_METRICS)[number]) =>
      rows.reduce((a, r) => a + r.values[m], 0) / rows.length;
    for (const m of ['flow', 'outletPressure', 'motorCurrent', 'pumpAcceleration', 'motorAcceleration'] as const)
      expect(mean(high, m)).toBeGreaterThan(mean(low, m) * 1.3);
    // More flow, more suction loss.
    expect(mean(high, 'inletPressure')).toBeLessThan(mean(low, 'inletPressure'));
  });

  it('a closed delivery valve lowers the flow and raises the outlet pressure at the same load', () => {
    // Ten runs of the scenario; compared with normal samples of the same run at the same load (±2 %).
    let flowLower = 0;
    let pressureHigher = 0;
    let runs = 0;
    for (let seed = 10; seed < 20 && runs < 4; seed++) {
      const samples = all(seed);
      const plan = planPumpRig({ seed, repeats: 1, trainingMs: 1800_000 });
      const k = plan.experiments.findIndex((e) => e.scenario === 'outlet_valve_closure');
      const faulty = samples.filter(
        (s) => s.experiment === k && s.fault && s.tsMs > plan.experiments[k].faultStartMs + 20_000,
      );
      const normal = samples.filter((s) => !s.fault);
      let df = 0;
      let dp = 0;
      let n = 0;
      for (const s of faulty) {
        const near = normal.filter((r) => Math.abs(r.load - s.load) < 0.02);
        if (near.length < 30) continue;
        df += s.values.flow - near.reduce((a, r) => a + r.values.flow, 0) / near.length;
        dp += s.values.outletPressure - near.reduce((a, r) => a + r.values.outletPressure, 0) / near.length;
        n++;
      }
      if (n < 30) continue;
      runs++;
      if (df < 0) flowLower++;
      if (dp > 0) pressureHigher++;
    }
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(flowLower).toBe(runs);
    expect(pressureHigher).toBe(runs);
  });
});
