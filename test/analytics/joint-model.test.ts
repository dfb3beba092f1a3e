import { describe, expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { DEFAULT_JOINT_MODEL_PARAMS, JointModel, type JointModelParams } from '../../analytics/joint-model.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { DispatchRequest, HealthReport } from '../../core/types.ts';
import {
  PUMP_RIG_METRICS,
  PumpRig,
  type PumpRigExperiment,
  type PumpRigPlan,
  type PumpRigSample,
  planPumpRig,
  rigMessages,
} from '../../device-sim/pump-rig.ts';

const START = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3600_000;

/** Pearson's correlation of two series of the same length. */
function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((t, v) => t + v, 0) / n;
  const mb = b.reduce((t, v) => t + v, 0) / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Seed 1's first six experiments at a steady 80 % load, each recording's temperatures `jumpC` × (−1 … 1) °C off. */
function steadyRecordings(jumpC: number): PumpRigPlan {
  const base = planPumpRig({ seed: 1, startMs: START });
  const experiments = base.experiments.slice(0, 6);
  return {
    ...base,
    experiments,
    endMs: experiments.at(-1)!.endMs,
    loadMin: 0.8,
    loadMax: 0.8,
    temperatureJumpC: jumpC,
  };
}

/** The rig with one chosen experiment after a 2 h training run (the plan's load and noise, our fault). */
function planWith(
  scenario: PumpRigExperiment['scenario'],
  severity: number,
  seed = 7,
  trainingMs = 2 * HOUR,
): PumpRigPlan {
  const base = planPumpRig({ seed, startMs: START, trainingMs, repeats: 1 });
  const t = START + trainingMs;
  const e: PumpRigExperiment = {
    id: `exp-${scenario}`,
    scenario,
    startMs: t,
    faultStartMs: t + 30 * 60_000,
    faultEndMs: t + 40 * 60_000,
    endMs: t + 70 * 60_000,
    severity,
  };
  if (scenario === 'sensor_gain_drift') e.driftMetric = 'flow';
  return { ...base, experiments: [e], endMs: e.endMs };
}

/** The rig through a bare joint model, every `every`-th reading (10: a reading every 10 s). */
function runModel(
  plan: PumpRigPlan,
  every = 1,
  params: JointModelParams = DEFAULT_JOINT_MODEL_PARAMS,
  readsTemperature: boolean[] = [],
) {
  const model = new JointModel([...PUMP_RIG_METRICS], params, readsTemperature);
  const rig = new PumpRig(plan);
  const x = new Float64Array(PUMP_RIG_METRICS.length);
  const out: { tsMs: number; alarm: boolean; fault: boolean; top: string; judging: boolean }[] = [];
  let k = 0;
  for (let s = rig.next(); s; s = rig.next()) {
    if (k++ % every !== 0) continue;
    PUMP_RIG_METRICS.forEach((m, i) => {
      x[i] = s.values[m];
    });
    model.update(s.tsMs, x);
    let top = 0;
    for (let i = 1; i < model.d; i++) if (model.share(i) > model.share(top)) top = i;
    out.push({ tsMs: s.tsMs, alarm: model.alarm, fault: s.fault, top: PUMP_RIG_METRICS[top], judging: model.judging });
  }
  return { model, out };
}

/**
 * The rig through the production analytics path as one device: its health reports and dispatches.
 * `reading` may change a sample's time or values on the way (a gap, a frozen sensor).
 */
type RigMessage = { tsMs: number; values: Record<string, number> };

/** The rig through one Analytics as one device; `reading` turns the k-th sample into the message (or messages) it sends. */
function runAnalytics(
  plan: PumpRigPlan,
  deviceId: string,
  reading: (s: PumpRigSample, k: number) => RigMessage | RigMessage[] = (s) => s,
) {
  const bus = new EventBus();
  const analytics = new Analytics({ bus, log: createLogger('silent') });
  analytics.start();
  const reports: HealthReport[] = [];
  const dispatches: DispatchRequest[] = [];
  bus.on('health', (h) => reports.push(h));
  bus.on('dispatch', (d) => dispatches.push(d));
  const rig = new PumpRig(plan);
  let k = 0;
  for (let s = rig.next(); s; s = rig.next(), k++) {
    const sent = reading(s, k);
    for (const { tsMs, values } of Array.isArray(sent) ? sent : [sent])
      bus.emit('telemetry', [{ deviceId, tsMs, values }]);
  }
  analytics.stop();
  return { reports, dispatches };
}

/** Per experiment, the share of its fault's readings the joint model alarmed. */
function jointAlarmedShares(plan: PumpRigPlan, reports: HealthReport[]): number[] {
  return plan.experiments.map((e) => {
    const during = reports.filter((h) => h.tsMs >= e.faultStartMs && h.tsMs < e.faultEndMs);
    return during.filter((h) => h.rule === 'joint-residual').length / during.length;
  });
}

/** The experiments' reports (after the training run): outside their faults, and in them. */
function experimentReadings(plan: PumpRigPlan, reports: HealthReport[]) {
  const inFault = (tsMs: number) => plan.experiments.some((e) => tsMs >= e.faultStartMs && tsMs < e.faultEndMs);
  const judged = reports.filter((h) => h.tsMs >= plan.experiments[0].startMs);
  return { quiet: judged.filter((h) => !inFault(h.tsMs)), faults: judged.filter((h) => inFault(h.tsMs)) };
}

/** The readings before the experiments' faults (after the training run). */
function beforeTheFaults(plan: PumpRigPlan, reports: HealthReport[]): HealthReport[] {
  return reports.filter((h) => plan.experiments.some((e) => h.tsMs >= e.startMs && h.tsMs < e.faultStartMs));
}

/** A seed's (7's) two-hour training run, then one experiment: a closed inlet valve `faultAfterMin` minutes in, for 10 minutes, and 20 more of normal running. */
function inletClosureAfterTraining(
  faultAfterMin: number,
  seed = 7,
): { plan: PumpRigPlan; t: number; e: PumpRigExperiment } {
  const base = planPumpRig({ seed, startMs: START, trainingMs: 2 * HOUR, repeats: 1 });
  const t = START + 2 * HOUR;
  const e: PumpRigExperiment = {
    id: 'exp-inlet',
    scenario: 'inlet_valve_closure',
    startMs: t,
    faultStartMs: t + faultAfterMin * 60_000,
    faultEndMs: t + (faultAfterMin + 10) * 60_000,
    endMs: t + (faultAfterMin + 30) * 60_000,
    severity: 0.8,
  };
  return { plan: { ...base, experiments: [e], endMs: e.endMs }, t, e };
}

/**
 * `inletClosureAfterTraining(30, seed)` at one speed per recording, the recording a day after the
 * training run: the load just before it and a minute into it, and the readings of the recording
 * before its fault and during it. `settledS`: the recording's first seconds are not sent (it
 * begins once the drive has settled at its speed); `apart`: the sensors in two messages a reading.
 */
function anotherSpeedNextDay(seed: number, { settledS = 0, apart = false } = {}) {
  const { plan: recording, t, e } = inletClosureAfterTraining(30, seed);
  const plan: PumpRigPlan = { ...recording, loadPerExperiment: true };
  const DAY = 24 * HOUR;
  const loads: number[] = [];
  const { reports } = runAnalytics(plan, `rig-another-speed-${seed}`, (s, k) => {
    if (s.tsMs === t - 1000 || s.tsMs === t + 60_000) loads.push(s.load);
    if (s.experiment >= 0 && s.tsMs < t + settledS * 1000) return [];
    const shift = s.experiment >= 0 ? DAY : 0;
    return rigMessages(s, k, { split: apart, temperaturesEveryS: 0 }).map((m) => ({ ...m, tsMs: m.tsMs + shift }));
  });
  const from = t + settledS * 1000 + DAY;
  return {
    loads,
    before: reports.filter((h) => h.tsMs >= from && h.tsMs < e.faultStartMs + DAY),
    during: reports.filter((h) => h.tsMs >= e.faultStartMs + DAY && h.tsMs < e.faultEndMs + DAY),
  };
}

describe('joint model', () => {
  it('learns the load-coupled normal: load changes between 30 and 100 % are no alarm; a closed delivery valve is, naming flow and pressure, and the alarm ends after it', () => {
    const plan = planWith('outlet_valve_closure', 0.8);
    const { model, out } = runModel(plan);
    const e = plan.experiments[0];
    expect(model.judging).toBe(true);
    const before = out.filter((r) => r.tsMs >= e.startMs && r.tsMs < e.faultStartMs);
    // 30 minutes of running with the load moving: no alarm at all.
    expect(before.filter((r) => r.alarm)).toEqual([]);
    const fault = out.filter((r) => r.fault);
    const first = fault.findIndex((r) => r.alarm);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(60);
    expect(fault.filter((r) => r.alarm).length / fault.length).toBeGreaterThan(0.8);
    expect(['flow', 'outletPressure', 'motorCurrent', 'inletPressure']).toContain(fault[first + 30].top);
    // Back to normal: off within five minutes of the valve opening (the temperatures the fault
    // warmed take a quarter of an hour to settle; they do not keep it on).
    const cleared = out.find((r) => r.tsMs >= e.faultEndMs && !r.alarm);
    expect(cleared!.tsMs - e.faultEndMs).toBeLessThan(5 * 60_000);
  });

  it('counts in time: read every 10 s it judges after about three hours (16 h when it counted readings) and, having run 5 h of loads, finds the closed valve and clears after it', () => {
    const plan = planWith('outlet_valve_closure', 0.8, 7, 5 * HOUR);
    const e = plan.experiments[0];
    const { model, out } = runModel(plan, 10);
    expect(model.judging).toBe(true);
    const before = out.filter((r) => r.tsMs >= e.startMs && r.tsMs < e.faultStartMs);
    expect(before.every((r) => r.judging)).toBe(true);
    expect(before.filter((r) => r.alarm)).toEqual([]);
    const fault = out.filter((r) => r.fault);
    // 60 readings of the fault: found within its first two minutes, alarmed for most of it (37 of
    // 60 here; 43 before the ridge left the slow metrics out, while over the rig's seeds 1–6 read
    // every 10 s the ridge's change left F1 the same, 0.691 against 0.688).
    const first = fault.findIndex((r) => r.alarm);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(12);
    expect(fault.filter((r) => r.alarm).length / fault.length).toBeGreaterThan(0.6);
    const cleared = out.find((r) => r.tsMs >= e.faultEndMs && !r.alarm);
    expect(cleared!.tsMs - e.faultEndMs).toBeLessThan(5 * 60_000);
  });

  it('an alarm ends once the fast residual no longer shows the fault, not when the slow one has forgotten it', () => {
    // The slow residual (about 40 s of memory) holds the statistic over its off level for most of
    // a minute after a fault; the fast one is back at the normal within seconds.
    for (const scenario of ['inlet_valve_closure', 'leak', 'cavitation'] as const) {
      const plan = planWith(scenario, 0.8);
      const e = plan.experiments[0];
      const clearedAfter = (out: ReturnType<typeof runModel>['out']) =>
        out.find((r) => r.tsMs >= e.faultEndMs && !r.alarm)!.tsMs - e.faultEndMs;
      const now = runModel(plan).out;
      const slow = runModel(plan, 1, { ...DEFAULT_JOINT_MODEL_PARAMS, clearLambda: 0 }).out;
      console.log(scenario, clearedAfter(now), clearedAfter(slow));
      // (with half an hour of learning the normal, the slow one cleared a leak after 39 s, others
      // after 64-82 s; the fast one after 11-18 s)
      expect(clearedAfter(now)).toBeLessThanOrEqual(30_000);
      expect(clearedAfter(slow)).toBeGreaterThanOrEqual(Math.max(35_000, 2 * clearedAfter(now)));
      // While the fault lasts the alarm holds as it did (the fast residual still shows it).
      const inFault = (out: typeof now) => out.filter((r) => r.fault && r.alarm).length;
      expect(inFault(now)).toBe(inFault(slow));
      expect(inFault(now)).toBeGreaterThan(0.95 * now.filter((r) => r.fault).length);
      const afterFault = (out: typeof now) => out.filter((r) => r.tsMs >= e.faultEndMs && r.alarm).length;
      expect(afterFault(now)).toBeLessThan(afterFault(slow));
    }
  });

  it('a temperature whose spread widens (the fluid warming over the afternoon) does not send it back to learning', () => {
    // 2 h of the rig's loads, then 4 h in which one metric climbs slowly: its spread (over
    // everything seen) grows past twice that of the frame the normal was learnt in.
    const base = planPumpRig({ seed: 7, startMs: START, trainingMs: 2 * HOUR, repeats: 1 });
    const plan: PumpRigPlan = { ...base, experiments: [], endMs: START + 6 * HOUR };
    const judgedAfterClimb = (metric: (typeof PUMP_RIG_METRICS)[number], perHour: number) => {
      const model = new JointModel([...PUMP_RIG_METRICS]);
      const rig = new PumpRig(plan);
      const x = new Float64Array(PUMP_RIG_METRICS.length);
      const at = PUMP_RIG_METRICS.indexOf(metric);
      let judgedFrom = Number.NaN;
      let lostAfter = 0;
      for (let s = rig.next(); s; s = rig.next()) {
        PUMP_RIG_METRICS.forEach((m, i) => {
          x[i] = s.values[m];
        });
        const hours = (s.tsMs - START) / HOUR;
        if (hours > 2) x[at] += perHour * (hours - 2);
        model.update(s.tsMs, x);
        if (model.judging && Number.isNaN(judgedFrom)) judgedFrom = s.tsMs;
        else if (!model.judging && !Number.isNaN(judgedFrom)) lostAfter++;
      }
      return { judgedFrom, lostAfter };
    };
    const warming = judgedAfterClimb('fluidTemperature', 1.5);
    expect(warming.judgedFrom).toBeLessThan(START + 2 * HOUR);
    expect(warming.lostAfter).toBe(0);
  });

  it('a machine at one steady load (no running point to read off noise): quiet for the hour before a leak, finds it', () => {
    const plan: PumpRigPlan = { ...planWith('leak', 0.6), loadMin: 0.8, loadMax: 0.8 };
    const { out } = runModel(plan);
    const e = plan.experiments[0];
    const before = out.filter((r) => r.tsMs >= e.faultStartMs - HOUR / 2 && r.tsMs < e.faultStartMs);
    expect(before.length).toBe(1800);
    expect(before.every((r) => r.judging)).toBe(true);
    expect(before.filter((r) => r.alarm).length).toBeLessThan(before.length * 0.02);
    const fault = out.filter((r) => r.fault);
    expect(fault.filter((r) => r.alarm).length / fault.length).toBeGreaterThan(0.8);
  });

  it('at one steady load, the alarm of a closed inlet valve ends with the valve, while the temperatures it moved settle back', () => {
    const plan: PumpRigPlan = { ...planWith('inlet_valve_closure', 0.9), loadMin: 0.8, loadMax: 0.8 };
    const { out } = runModel(plan);
    const e = plan.experiments[0];
    const fault = out.filter((r) => r.fault);
    expect(fault.filter((r) => r.alarm).length / fault.length).toBeGreaterThan(0.9);
    // The alarm ends within a minute of the valve opening again...
    const cleared = out.find((r) => r.tsMs >= e.faultEndMs && !r.alarm);
    expect(cleared!.tsMs - e.faultEndMs).toBeLessThan(60_000);
    // ...and the 29 minutes after are mostly quiet (a fluid temperature still 0.5 of its spread
    // warm after a quarter of an hour can alarm again once it is back in the statistic).
    const after = out.filter((r) => r.tsMs >= e.faultEndMs + 60_000);
    expect(after.length).toBeGreaterThan(1700);
    expect(after.filter((r) => r.alarm).length).toBeLessThan(after.length * 0.2);
  });

  it('a leak and a rotor imbalance are found; same plan, same alarms (deterministic)', () => {
    for (const scenario of ['leak', 'rotor_imbalance'] as const) {
      const plan = planWith(scenario, 0.8);
      const a = runModel(plan).out;
      const fault = a.filter((r) => r.fault);
      expect(fault.filter((r) => r.alarm).length / fault.length).toBeGreaterThan(0.5);
      expect(runModel(plan).out).toEqual(a);
    }
  });

  it('a fault while the usual level is being learnt (no fault-free run first) does not blind it to the next one', () => {
    // Learning ends about 35 minutes in; the first valve closes during the half hour of the level
    // after it. Learnt as read, its statistic made the level many times the normal's for hours.
    const base = planPumpRig({ seed: 3, startMs: START, trainingMs: 0, repeats: 1 });
    const experiment = (
      id: string,
      startMin: number,
      scenario: PumpRigExperiment['scenario'],
      severity: number,
    ): PumpRigExperiment => ({
      id,
      scenario,
      startMs: START + startMin * 60_000,
      faultStartMs: START + (startMin + 10) * 60_000,
      faultEndMs: START + (startMin + 20) * 60_000,
      endMs: START + (startMin + 40) * 60_000,
      severity,
    });
    const first = experiment('exp-during-level', 30, 'inlet_valve_closure', 0.9);
    const second = experiment('exp-after', 80, 'cavitation', 0.4);
    const plan: PumpRigPlan = { ...base, experiments: [first, second], endMs: second.endMs };
    const { out } = runModel(plan);
    const during = out.filter((r) => r.tsMs >= first.faultStartMs && r.tsMs < first.faultEndMs);
    expect(during.some((r) => r.judging)).toBe(false);
    const fault = out.filter((r) => r.tsMs >= second.faultStartMs && r.tsMs < second.faultEndMs);
    expect(fault.every((r) => r.judging)).toBe(true);
    // 90 % of it (49 % when the level was learnt as read).
    expect(fault.filter((r) => r.alarm).length / fault.length).toBeGreaterThan(0.7);
  });

  it('a sensor that never moves changes nothing: with a constant ninth metric, the same alarm at every reading as without it', () => {
    // Its row in the covariance is the identity's (it has no residual spread); once, that row
    // counted in the covariance's ridge, which grew with every such metric and dulled the rest.
    const plan = planPumpRig({ seed: 3, startMs: START, trainingMs: 2 * HOUR, repeats: 1 });
    const metrics = [...PUMP_RIG_METRICS, 'supplyVoltage'];
    const withConstant = new JointModel(metrics);
    const without = new JointModel([...PUMP_RIG_METRICS]);
    const rig = new PumpRig(plan);
    const x = new Float64Array(metrics.length);
    let alarms = 0;
    let differ = 0;
    for (let s = rig.next(); s; s = rig.next()) {
      PUMP_RIG_METRICS.forEach((m, i) => {
        x[i] = s.values[m];
      });
      x[PUMP_RIG_METRICS.length] = 400;
      withConstant.update(s.tsMs, x);
      without.update(s.tsMs, x.subarray(0, PUMP_RIG_METRICS.length));
      if (without.alarm) alarms++;
      if (withConstant.alarm !== without.alarm) differ++;
    }
    expect(without.judging).toBe(true);
    expect(alarms).toBeGreaterThan(300);
    expect(differ).toBe(0);
  });

  it('recordings of different days one after another: a temperature that steps beyond its thermal inertia is re-based, not an alarm; the leak after it is found', () => {
    // The experiment's temperatures read 1 °C under the training run's from its first sample.
    const plan: PumpRigPlan = { ...planWith('leak', 0.6), temperatureJumpC: 1 };
    const e = plan.experiments[0];
    const temperatures = PUMP_RIG_METRICS.map((m) => m.endsWith('Temperature'));
    const quietBefore = (out: ReturnType<typeof runModel>['out']) => {
      const before = out.filter((r) => r.tsMs >= e.startMs && r.tsMs < e.faultStartMs);
      expect(before.length).toBe(30 * 60);
      return before.filter((r) => r.alarm).length / before.length;
    };
    const rebased = runModel(plan, 1, DEFAULT_JOINT_MODEL_PARAMS, temperatures).out;
    // Without knowing which metrics are temperatures, the step is a fault for half an hour.
    expect(quietBefore(runModel(plan).out)).toBeGreaterThan(0.9);
    expect(quietBefore(rebased)).toBeLessThan(0.02);
    const fault = rebased.filter((r) => r.fault);
    expect(fault.filter((r) => r.alarm).length / fault.length).toBeGreaterThan(0.8);
    // The flow's own abrupt step (the leak) was not re-based: flow or pressure leads the alarm.
    expect(['flow', 'outletPressure', 'motorCurrent', 'inletPressure']).toContain(fault.at(-1)!.top);
  });

  it('a recording that begins at a load the training run never ran: its offsets are taken again where the normal is learnt, and the hour after is not alarmed throughout', () => {
    // Trained 3 h at 55–95 % load; a day later the next recording, its sensors one σ of their
    // noise off (another calibration), runs 4 minutes at 33 % and then an hour at 55–95 %. The
    // two minutes that set its offsets are at a load the normal only extrapolates to, so they
    // held that error as well (tens of spreads): before, every reading of the hour was alarmed.
    const metrics = PUMP_RIG_METRICS.filter((m) => !m.endsWith('Temperature'));
    const model = new JointModel([...metrics]);
    const rig = (startMs: number, ms: number, load: [number, number], seed: number) =>
      new PumpRig({
        seed,
        startMs,
        trainingMs: ms,
        experiments: [],
        endMs: startMs + ms,
        loadMin: load[0],
        loadMax: load[1],
      });
    // One σ of each sensor's noise (device-sim/pump-rig.ts), in the metrics' order.
    const offset = [0.45, 0.012, 0.06, 0.12, 0.012, 0.01];
    const x = new Float64Array(metrics.length);
    const feed = (r: PumpRig, shiftMs: number, calibrated: boolean) => {
      const alarmed: boolean[] = [];
      for (let s = r.next(); s; s = r.next()) {
        metrics.forEach((m, i) => {
          x[i] = s.values[m] + (calibrated ? offset[i] : 0);
        });
        model.update(s.tsMs + shiftMs, x);
        alarmed.push(model.alarm);
      }
      return alarmed;
    };
    const DAY = 24 * HOUR;
    feed(rig(START, 3 * HOUR, [0.55, 0.95], 4), 0, false);
    expect(model.judging).toBe(true);
    feed(rig(START + 3 * HOUR, 240_000, [0.33, 0.33], 104), DAY, true);
    const after = feed(rig(START + 3 * HOUR + 240_000, HOUR, [0.55, 0.95], 204), DAY, true);
    expect(after).toHaveLength(3600);
    expect(model.judging).toBe(true);
    expect(after.filter(Boolean).length / after.length).toBeLessThan(0.25);
  });

  it('temperatures read every 2 minutes in a message of their own: the running point is read off the load from the first minutes, not off their shared steps', () => {
    // As the analytics path gives it (device-sim's rigMessages): each second a reading of the six
    // other sensors with the temperatures' last values carried, and every 2 minutes, 200 ms later,
    // one with the new temperatures and the others carried. Carried values stand still, then the
    // two temperatures step together. Told which values are new, the model leaves those steps out
    // and its running point moves with the load; not told, it was read off the temperatures.
    const plan = planPumpRig({ seed: 5, startMs: START });
    const temperatures = PUMP_RIG_METRICS.map((m) => m.endsWith('Temperature'));
    const followsLoad = (told: boolean) => {
      const model = new JointModel([...PUMP_RIG_METRICS], undefined, temperatures);
      const rig = new PumpRig(plan);
      const x = new Float64Array(PUMP_RIG_METRICS.length);
      const renewed = new Uint8Array(PUMP_RIG_METRICS.length);
      const feed = (tsMs: number, values: Record<string, number>, which: (i: number) => boolean) => {
        PUMP_RIG_METRICS.forEach((m, i) => {
          renewed[i] = which(i) ? 1 : 0;
          if (renewed[i] === 1) x[i] = values[m];
        });
        model.update(tsMs, x, told ? renewed : undefined);
      };
      const points: number[] = [];
      const loads: number[] = [];
      for (let k = 0; k < 3600; k++) {
        const s = rig.next()!;
        feed(s.tsMs, s.values, (i) => !temperatures[i] || k === 0);
        if (k % 120 === 0) feed(s.tsMs + 200, s.values, (i) => temperatures[i]);
        if (k >= 900) {
          points.push(model.runningPoint);
          loads.push(s.load);
        }
      }
      // How the running point's moves over 10 s go with the load's (a lagging temperature's do not).
      const moves = (v: number[]) => v.slice(10).map((p, i) => p - v[i]);
      return Math.abs(correlation(moves(points), moves(loads)));
    };
    // Seed 5's first minutes hold few load changes, so the temperatures' steps led (0.21 before).
    expect(followsLoad(true)).toBeGreaterThan(0.5);
    expect(followsLoad(false)).toBeLessThan(0.3);
  });

  it('at one steady load, recordings whose temperatures jump up to 2 °C apart: the jumps are no running point, and every recording is judged', () => {
    // The two temperatures jump together at each new recording: before, those were the steady
    // machine's only shared steps, the model took them for a running point, learnt again for an
    // hour (the next recordings not judged) and then read a different running point off each
    // recording's temperatures.
    const plan = steadyRecordings(2);
    const model = new JointModel(
      [...PUMP_RIG_METRICS],
      undefined,
      PUMP_RIG_METRICS.map((m) => m.endsWith('Temperature')),
    );
    const rig = new PumpRig(plan);
    const x = new Float64Array(PUMP_RIG_METRICS.length);
    let readings = 0;
    let judged = 0;
    let offPoint = 0;
    for (let s = rig.next(); s; s = rig.next()) {
      PUMP_RIG_METRICS.forEach((m, i) => {
        x[i] = s.values[m];
      });
      model.update(s.tsMs, x);
      if (s.experiment < 0) continue;
      readings++;
      if (model.judging) judged++;
      if (model.runningPoint !== 0) offPoint++;
    }
    expect(readings).toBeGreaterThan(6000);
    expect(offPoint).toBe(0);
    expect(judged / readings).toBeGreaterThan(0.95);
  });

  it('at one steady load, recordings whose temperatures are half a degree apart: not alarmed between their faults (the motor temperature held off the fluid one adds at most its bound)', () => {
    // Under the re-base's jump threshold, the offsets stay in the residuals. Each is bounded at
    // three of its spreads, but the two temperatures move together on normal running, so one off
    // by that much against the other whitened to many times the alarm's level: before, 67 % of
    // seed 1's readings outside a fault were alarmed, most of them led by the motor temperature.
    const plan = steadyRecordings(0.5);
    const experiments = plan.experiments;
    const out = runModel(
      plan,
      1,
      DEFAULT_JOINT_MODEL_PARAMS,
      PUMP_RIG_METRICS.map((m) => m.endsWith('Temperature')),
    ).out;
    const quiet = out.filter((r) => r.tsMs >= experiments[0].startMs && !r.fault);
    expect(quiet.length).toBeGreaterThan(4000);
    expect(quiet.filter((r) => r.alarm).length / quiet.length).toBeLessThan(0.1);
    const fault = out.filter((r) => r.fault);
    expect(fault.filter((r) => r.alarm).length / fault.length).toBeGreaterThan(0.8);
  });

  it('recordings at other speeds one after another with no pause, their temperatures a degree apart: each jump marks a new recording, and the quiet readings are not alarmed throughout', () => {
    // Seed 1 at one speed per recording, each recording's temperatures −1 to +1 °C off. With no
    // running point, a temperature's residual spread widens as it follows each new speed, and
    // before, a jump within six of those spreads marked nothing: 28 % of the quiet readings were
    // alarmed (13 % since).
    const plan: PumpRigPlan = {
      ...planPumpRig({ seed: 1, startMs: START }),
      loadPerExperiment: true,
      temperatureJumpC: 1,
    };
    const faults = new Set<number>();
    const { reports } = runAnalytics(plan, 'rig-speeds-no-pause', (s) => {
      if (s.fault) faults.add(s.tsMs);
      return s;
    });
    const alarmed = (h: HealthReport) => h.state !== 'healthy' && h.state !== 'warming_up';
    const quiet = reports.filter((h) => h.tsMs >= plan.experiments[0].startMs && !faults.has(h.tsMs));
    expect(quiet.length).toBeGreaterThan(10_000);
    const fault = reports.filter((h) => faults.has(h.tsMs));
    expect(quiet.filter(alarmed).length / quiet.length).toBeLessThan(0.2);
    expect(fault.filter(alarmed).length / fault.length).toBeGreaterThan(0.85);
  });

  it('keeps bounded state (≤ 16 KiB for 8 metrics) and carries on the same after a snapshot and restore', () => {
    const plan = planWith('cavitation', 0.7);
    const rig = new PumpRig(plan);
    const a = new JointModel([...PUMP_RIG_METRICS]);
    let b: JointModel | null = null;
    const x = new Float64Array(8);
    let k = 0;
    let compared = 0;
    for (let s = rig.next(); s; s = rig.next(), k++) {
      PUMP_RIG_METRICS.forEach((m, i) => {
        x[i] = s.values[m];
      });
      a.update(s.tsMs, x);
      if (k === 2.5 * 3600) {
        b = new JointModel([...PUMP_RIG_METRICS]);
        expect(b.restore(JSON.parse(JSON.stringify(a.snapshot())))).toBe(true);
        continue;
      }
      if (b) {
        b.update(s.tsMs, x);
        expect(b.ratio).toBeCloseTo(a.ratio, 9);
        expect(b.alarm).toBe(a.alarm);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2000);
    expect(a.stateBytes).toBeLessThanOrEqual(16 * 1024);
    expect(new JointModel(['a', 'b', 'c']).restore(a.snapshot())).toBe(false);
    // A snapshot of another layout is refused, and the model is left as it was (it learns afresh):
    // one without the layout (before session 14), one a metric's worth of numbers short.
    const saved = a.snapshot();
    const c = new JointModel([...PUMP_RIG_METRICS]);
    expect(c.restore({ metrics: saved.metrics, state: saved.state })).toBe(false);
    expect(c.restore({ ...saved, state: saved.state.slice(0, -8) })).toBe(false);
    expect(c.judging).toBe(false);
    expect(c.restore(saved)).toBe(true);
    expect(c.ratio).toBe(a.ratio);
  });
});

describe('analytics with a joint model', () => {
  it('an 8-sensor pump: healthy through load changes, a joint-residual warning naming the metrics in a valve closure, a dispatch after 3 minutes, healthy again after', () => {
    const plan = planWith('inlet_valve_closure', 0.6);
    const e = plan.experiments[0];
    const { reports, dispatches } = runAnalytics(plan, 'rig-1');
    const before = reports.filter((h) => h.tsMs >= e.startMs && h.tsMs < e.faultStartMs);
    expect(before.every((h) => h.state === 'healthy')).toBe(true);
    const during = reports.filter((h) => h.tsMs >= e.faultStartMs && h.tsMs < e.faultEndMs);
    const warned = during.filter((h) => h.rule === 'joint-residual');
    expect(warned.length / during.length).toBeGreaterThan(0.8);
    expect(warned[0].state).toBe('warning');
    expect(warned.at(-1)!.explanation).toMatch(
      /inletPressure low \(\d+ %\).*off|off this device's normal for its running point: .*inletPressure low/,
    );
    expect(warned.at(-1)!.evidence.jointRatio).toBeGreaterThan(4);
    expect(dispatches).toHaveLength(1);
    expect(dispatches[0].tsMs - e.faultStartMs).toBeGreaterThanOrEqual(180_000);
    expect(dispatches[0].tsMs).toBeLessThan(e.faultEndMs);
    expect(dispatches[0].health.rule).toBe('joint-residual');
    const healthyAgain = reports.find((h) => h.tsMs >= e.faultEndMs && h.state === 'healthy');
    expect(healthyAgain!.tsMs - e.faultEndMs).toBeLessThan(5 * 60_000);
  });

  it('sensors published apart (two messages per second, the temperatures every 10 s in their own): the joint model judges them together and finds the closed valve', () => {
    // Before, a reading without all the metrics was not the joint model's: such a device had none.
    const plan = planWith('inlet_valve_closure', 0.6);
    const e = plan.experiments[0];
    const { reports } = runAnalytics(plan, 'rig-apart', (s, k) =>
      rigMessages(s, k, { split: true, temperaturesEveryS: 10 }),
    );
    const before = reports.filter((h) => h.tsMs >= e.startMs && h.tsMs < e.faultStartMs);
    expect(before.length).toBeGreaterThan(1000);
    expect(before.every((h) => h.state === 'healthy')).toBe(true);
    const during = reports.filter((h) => h.tsMs >= e.faultStartMs && h.tsMs < e.faultEndMs);
    expect(during.filter((h) => h.rule === 'joint-residual').length / during.length).toBeGreaterThan(0.8);
  });

  it('temperatures read every 2 minutes beside 1-Hz sensors: their last values stand in for 3 of their intervals, and the faults are found', () => {
    // With a fixed minute the joint model paused from a minute after each temperature reading to
    // the next, and none of the six faults here was alarmed for even half its length.
    const plan = planPumpRig({ seed: 1, startMs: START, trainingMs: 2 * HOUR, repeats: 1 });
    const { reports } = runAnalytics(plan, 'rig-slow', (s, k) =>
      rigMessages(s, k, { split: false, temperaturesEveryS: 120 }),
    );
    expect(jointAlarmedShares(plan, reports).filter((share) => share > 0.5).length).toBeGreaterThanOrEqual(5);
    const outside = beforeTheFaults(plan, reports);
    expect(outside.filter((h) => h.state !== 'healthy').length).toBeLessThan(outside.length * 0.1);
  });

  it('temperatures read every 5 minutes beside 1-Hz sensors: too slow to stand in, they leave the joint model, which judges the other six; no quiet sensor', () => {
    // Before, the joint model stopped from a minute after each temperature reading to the next
    // (bench:multivariate seeds 1–6 --temperatures-every 300: F1 0.119).
    const plan = planPumpRig({ seed: 1, startMs: START, trainingMs: 2 * HOUR, repeats: 1 });
    const { reports } = runAnalytics(plan, 'rig-slower', (s, k) =>
      rigMessages(s, k, { split: false, temperaturesEveryS: 300 }),
    );
    expect(jointAlarmedShares(plan, reports).filter((share) => share > 0.5).length).toBeGreaterThanOrEqual(4);
    expect(reports.filter((h) => h.rule === 'quiet-sensor')).toEqual([]);
  });

  it('sensors published apart, with a day between the recordings: the first message after the gap lacks half of them, and none is a quiet sensor', () => {
    // Counted from each metric's last reading, the four not in that first message had been missing
    // for a day: a quiet-sensor fault and a visit for each recording, gone at the next message.
    const plan = planPumpRig({ seed: 1, startMs: START, trainingMs: 2 * HOUR, repeats: 1 });
    const { reports, dispatches } = runAnalytics(plan, 'rig-apart-gaps', (s, k) =>
      rigMessages(s, k, { split: true, temperaturesEveryS: 0 }).map((m) => ({
        tsMs: m.tsMs + (s.experiment + 1) * 24 * HOUR,
        values: m.values,
      })),
    );
    expect(reports.filter((h) => h.rule === 'quiet-sensor')).toEqual([]);
    expect(dispatches.filter((d) => d.mode === 'sensor_fault')).toEqual([]);
    // And the device is judged after each gap: reports of the experiments' readings came.
    expect(reports.filter((h) => h.tsMs >= plan.experiments[0].startMs + 24 * HOUR).length).toBeGreaterThan(3600);
  });

  it('a flow sensor that goes quiet: after 10 minutes a sensor fault naming it, and a visit; the joint model goes on over the other seven and finds a closed inlet valve an hour and a half later', () => {
    // Before, the joint model stopped until the flow was back, nothing judged the device, and the
    // quiet sensor was not reported at all (bench:multivariate seeds 1–6 --lose motorTemperature:
    // 85 % of the fault samples missed).
    const { plan, t, e } = inletClosureAfterTraining(100);
    const { reports, dispatches } = runAnalytics(plan, 'rig-quiet', (s) => {
      if (s.experiment < 0) return s;
      const { flow: _lost, ...rest } = s.values;
      return { tsMs: s.tsMs, values: rest };
    });
    const quiet = reports.filter((h) => h.rule === 'quiet-sensor');
    expect(quiet.length).toBeGreaterThan(0);
    expect(quiet[0].tsMs - t).toBeGreaterThanOrEqual(10 * 60_000 - 1000);
    expect(quiet[0].tsMs - t).toBeLessThan(11 * 60_000);
    expect(quiet[0]).toMatchObject({ metric: 'flow', state: 'sensor_fault', mode: 'sensor_fault' });
    expect(quiet[0].explanation).toMatch(/flow: no reading for 10 min/);
    expect(dispatches.filter((d) => d.mode === 'sensor_fault')).toHaveLength(1);
    // The old model, stopped while the flow was missing, says nothing meanwhile: no alarm held
    // from before, no visit for one.
    expect(dispatches.filter((d) => d.mode !== 'sensor_fault' && d.tsMs < e.faultStartMs)).toEqual([]);
    expect(jointAlarmedShares(plan, reports)[0]).toBeGreaterThan(0.5);
    const fault = reports.filter(
      (h) => h.tsMs >= e.faultStartMs && h.tsMs < e.faultEndMs && h.rule === 'joint-residual',
    );
    expect(fault.some((h) => /inletPressure/.test(h.explanation))).toBe(true);
  });

  it('a motor temperature that goes quiet: the joint model keeps what it learnt of the other seven and finds a closed inlet valve 15 minutes after it left (a model learnt afresh judges nothing for an hour)', () => {
    const { plan, e } = inletClosureAfterTraining(25);
    const { reports, dispatches } = runAnalytics(plan, 'rig-quiet-temperature', (s) => {
      if (s.experiment < 0) return s;
      const { motorTemperature: _lost, ...rest } = s.values;
      return { tsMs: s.tsMs, values: rest };
    });
    const quiet = reports.filter((h) => h.rule === 'quiet-sensor');
    expect(quiet[0]).toMatchObject({ metric: 'motorTemperature', state: 'sensor_fault' });
    expect(quiet[0].tsMs).toBeLessThan(e.faultStartMs);
    expect(jointAlarmedShares(plan, reports)[0]).toBeGreaterThan(0.5);
    const fault = reports.filter(
      (h) => h.tsMs >= e.faultStartMs && h.tsMs < e.faultEndMs && h.rule === 'joint-residual',
    );
    expect(fault.some((h) => /inletPressure/.test(h.explanation) && !/motorTemperature/.test(h.explanation))).toBe(
      true,
    );
    // Between the loss and the fault no visit but the sensor's. (Its load history stood still the
    // ten minutes the lost metric was awaited, and the fluid temperature, which follows the real
    // one, is alarmed on for 160 s two minutes after: a pause of judging while the history catches
    // up cost more than it saved on the bench, analytics/README.md.)
    expect(dispatches.filter((d) => d.mode !== 'sensor_fault' && d.tsMs < e.faultStartMs)).toEqual([]);
  });

  it('an inlet pressure that goes quiet: the model narrowed to the other seven goes on with the same recording, and the readings after are not alarmed to the end', () => {
    // bench:multivariate --lose inletPressure, seed 2: 79.5 % of the readings outside the faults
    // alarmed from the fourth experiment on. The model had no reading while the lost sensor's last
    // value could no longer stand in and it had not yet left the model (10 minutes), and its first
    // reading after read as a new recording (the motor temperature had moved as far as a jump):
    // the fault then under way was taken as the recording's offsets.
    const plan = planPumpRig({ seed: 2, startMs: START, trainingMs: 2 * HOUR, repeats: 3 });
    const lostFrom = plan.experiments[3].startMs;
    const { reports } = runAnalytics(plan, 'rig-inlet-pressure-lost', (s) => {
      if (s.tsMs < lostFrom) return s;
      const { inletPressure: _lost, ...rest } = s.values;
      return { tsMs: s.tsMs, values: rest };
    });
    // The quiet sensor is reported as such while it is (a visit for it): alarmed is anything else.
    const { quiet, faults } = experimentReadings(
      plan,
      reports.filter((h) => h.tsMs >= lostFrom + 15 * 60_000),
    );
    const alarmed = (h: HealthReport) => h.state !== 'healthy' && h.rule !== 'quiet-sensor';
    expect(quiet.length).toBeGreaterThan(8000);
    expect(quiet.filter(alarmed).length).toBeLessThan(quiet.length * 0.1);
    expect(faults.filter(alarmed).length).toBeGreaterThan(faults.length * 0.7);
  });

  it('a flow sensor that glitches (one reading three times the flow every 5 minutes): the spikes do not reach the joint model, and the faults are found', () => {
    // Fed raw, each glitch was a T² spike that widened the learnt normal (bench:multivariate seeds
    // 1–6: F1 0.870 → 0.731): here the leak was missed, the outlet valve closure alarmed for 70 %
    // of it, and 50 readings before the faults were alarmed (none with the filter; the mild sensor
    // gain drift is not the joint model's alarm either way).
    const plan = planPumpRig({ seed: 1, startMs: START, trainingMs: 2 * HOUR, repeats: 1 });
    const { reports } = runAnalytics(plan, 'rig-glitch', (s, k) => ({
      tsMs: s.tsMs,
      values: k % 300 === 299 ? { ...s.values, flow: s.values.flow * 3 } : s.values,
    }));
    expect(jointAlarmedShares(plan, reports).filter((share) => share > 0.5).length).toBeGreaterThanOrEqual(5);
    const outside = beforeTheFaults(plan, reports);
    expect(outside.length).toBeGreaterThan(2000);
    expect(outside.filter((h) => h.state !== 'healthy').length).toBeLessThan(outside.length * 0.01);
  });

  it('temperatures in 0.5 °C steps at loads from 30 to 100 %: no stuck sensor while the joint model learns, nor while it judges and the normal moves less than a step', () => {
    // Before: seed 1 had 1,501 readings alarmed as a stuck temperature in its first two hours (the
    // per-metric 60 repeats, the joint model still learning); with that fixed, seed 5 still had
    // 819 while judging, its normal moved 3 spreads but less than a step since the last change.
    for (const seed of [1, 5]) {
      const plan = planPumpRig({ seed, startMs: START, trainingMs: 2 * HOUR, repeats: 1 });
      const { reports } = runAnalytics(plan, `rig-coarse-${seed}`, (s) => ({
        tsMs: s.tsMs,
        values: {
          ...s.values,
          fluidTemperature: Math.round(s.values.fluidTemperature * 2) / 2,
          motorTemperature: Math.round(s.values.motorTemperature * 2) / 2,
        },
      }));
      expect(reports.length).toBeGreaterThan(14_000);
      expect(reports.filter((h) => h.rule === 'stuck-sensor').map((h) => h.explanation)).toEqual([]);
      expect(jointAlarmedShares(plan, reports).filter((share) => share > 0.5).length).toBeGreaterThanOrEqual(4);
    }
  });

  it('recordings with a day between them: the joint model goes on judging across the gap and finds the closed valve', () => {
    // The training run one day, the experiment the next (its timestamps a day later): a gap is not
    // the device's reading interval (taken into it, the 1-Hz device looked like one reporting
    // every 70 minutes and lost its joint model).
    const plan = planWith('inlet_valve_closure', 0.6);
    const e = plan.experiments[0];
    const DAY = 24 * HOUR;
    const { reports } = runAnalytics(plan, 'rig-gap', (s) => ({
      tsMs: s.tsMs + (s.experiment >= 0 ? DAY : 0),
      values: s.values,
    }));
    const during = reports.filter((h) => h.tsMs >= e.faultStartMs + DAY && h.tsMs < e.faultEndMs + DAY);
    expect(during.length).toBe((e.faultEndMs - e.faultStartMs) / 1000);
    expect(during.filter((h) => h.rule === 'joint-residual').length / during.length).toBeGreaterThan(0.8);
    const before = reports.filter((h) => h.tsMs >= e.startMs + DAY && h.tsMs < e.faultStartMs + DAY);
    expect(before.filter((h) => h.state !== 'healthy').length).toBeLessThan(before.length * 0.05);
  });

  it('the air around the rig warming 1 °C an hour (its temperatures drift for hours): no alarm of its own, no dispatch outside a fault, and the faults found', () => {
    // Seed 6 of bench:multivariate with --ambient-drift 1 was alarmed from its third hour to its end
    // while a temperature's residual was unbounded in T² (a drift of hours alarmed, and an alarmed
    // model learns nothing).
    const plan: PumpRigPlan = { ...planPumpRig({ seed: 6, startMs: START, repeats: 2 }), ambientDriftCPerHour: 1 };
    const { reports, dispatches } = runAnalytics(plan, 'rig-warming');
    const inFault = (tsMs: number) => plan.experiments.some((e) => tsMs >= e.faultStartMs && tsMs < e.faultEndMs);
    // Outside the faults and the five minutes after each (a fault's own tail).
    const quiet = reports.filter(
      (h) =>
        h.tsMs >= plan.experiments[0].startMs &&
        !plan.experiments.some((e) => h.tsMs >= e.faultStartMs && h.tsMs < e.faultEndMs + 5 * 60_000),
    );
    expect(quiet.length).toBeGreaterThan(3600);
    expect(quiet.filter((h) => h.state !== 'healthy').length).toBeLessThan(quiet.length * 0.05);
    expect(dispatches.filter((d) => !inFault(d.tsMs))).toEqual([]);
    const shares = jointAlarmedShares(plan, reports);
    expect(shares.filter((x) => x > 0.5).length).toBeGreaterThanOrEqual(shares.length - 2);
  });

  it('a flow meter that averages over 10 s (it follows the load late): the quiet readings are not alarmed at every load change, and the faults are found', () => {
    // bench:multivariate --damp flow:10, seed 1: 26.9 % of the readings outside the faults alarmed
    // while the normal was a function of the running point alone (now also of its second-long
    // average, which a lagging sensor is read against).
    const plan = planPumpRig({ seed: 1, startMs: START, trainingMs: 2 * HOUR, repeats: 3 });
    let flow = Number.NaN;
    const { reports } = runAnalytics(plan, 'rig-damped-flow', (s) => {
      flow = Number.isNaN(flow) ? s.values.flow : flow + (1 - Math.exp(-1 / 10)) * (s.values.flow - flow);
      return { tsMs: s.tsMs, values: { ...s.values, flow } };
    });
    const { quiet, faults } = experimentReadings(plan, reports);
    expect(quiet.length).toBeGreaterThan(12_000);
    expect(quiet.filter((h) => h.state !== 'healthy').length).toBeLessThan(quiet.length * 0.12);
    expect(faults.filter((h) => h.state !== 'healthy').length).toBeGreaterThan(faults.length * 0.5);
  });

  it('recordings streamed with no pause, their temperatures a degree apart, the load moving: two minutes of noise at a recording are no offsets, and the quiet readings are not alarmed for whole recordings', () => {
    // bench:multivariate --temperature-jump 1, seed 5: 19.2 % of the readings outside the faults
    // alarmed. Each jump marks a new recording; its six other sensors' two-minute averages were
    // taken as offsets at the alarm's off level, and wrong ones (noise, the normal's error at a load
    // far beyond the training run's) held until the next recording. With a running point they are
    // taken at the on level now.
    const plan: PumpRigPlan = {
      ...planPumpRig({ seed: 5, startMs: START, trainingMs: 2 * HOUR, repeats: 3 }),
      temperatureJumpC: 1,
    };
    const { reports } = runAnalytics(plan, 'rig-jumps-moving-load');
    const { quiet, faults } = experimentReadings(plan, reports);
    expect(quiet.length).toBeGreaterThan(12_000);
    expect(quiet.filter((h) => h.state !== 'healthy').length).toBeLessThan(quiet.length * 0.1);
    expect(faults.filter((h) => h.state !== 'healthy').length).toBeGreaterThan(faults.length * 0.8);
  });

  it('recordings of different days, each calibrated its own way: after the gap the six sensors other than the temperatures are re-based over two minutes, the new recording is not alarmed throughout, and its closed valve is found', () => {
    // The next day's recording reads each sensor a fraction of a percent off (bench:multivariate
    // --gap-min 60 --recording-offset 1: 93 % false alarms before). Learnt as the temperatures'
    // jumps are: an offset averaged over the first readings of the recording.
    const plan: PumpRigPlan = { ...planWith('inlet_valve_closure', 0.6), recordingOffsetSpreads: 1 };
    const e = plan.experiments[0];
    const DAY = 24 * HOUR;
    const { reports, dispatches } = runAnalytics(plan, 'rig-recalibrated', (s) => ({
      tsMs: s.tsMs + (s.experiment >= 0 ? DAY : 0),
      values: s.values,
    }));
    // Offsets of this recording: the flow 0.45 m³/h low and the outlet pressure 0.06 bar high (one
    // σ of their noise each), the current and the vibrations half or one σ off, the inlet none.
    const before = reports.filter((h) => h.tsMs >= e.startMs + DAY && h.tsMs < e.faultStartMs + DAY);
    expect(before.length).toBeGreaterThan(1500);
    expect(before.filter((h) => h.state !== 'healthy').length).toBeLessThan(before.length * 0.05);
    expect(dispatches.filter((d) => d.tsMs < e.faultStartMs + DAY)).toEqual([]);
    const during = reports.filter((h) => h.tsMs >= e.faultStartMs + DAY && h.tsMs < e.faultEndMs + DAY);
    expect(during.filter((h) => h.rule === 'joint-residual').length / during.length).toBeGreaterThan(0.8);
    expect(during.some((h) => /inletPressure/.test(h.explanation))).toBe(true);
  });

  it('the same recordings streamed with no pause between them: the temperatures jumping beyond their thermal inertia mark the new recording, and it is re-based as after a gap', () => {
    // The next recording's temperatures read 1 °C lower (another day's air) and its other sensors
    // are off as above; its timestamps follow the training run's without a gap.
    const plan: PumpRigPlan = {
      ...planWith('inlet_valve_closure', 0.6),
      recordingOffsetSpreads: 1,
      temperatureJumpC: 1,
    };
    const e = plan.experiments[0];
    const { reports } = runAnalytics(plan, 'rig-recalibrated-no-gap');
    const before = reports.filter((h) => h.tsMs >= e.startMs && h.tsMs < e.faultStartMs);
    expect(before.length).toBeGreaterThan(1500);
    expect(before.filter((h) => h.state !== 'healthy').length).toBeLessThan(before.length * 0.05);
    const during = reports.filter((h) => h.tsMs >= e.faultStartMs && h.tsMs < e.faultEndMs);
    expect(during.filter((h) => h.rule === 'joint-residual').length / during.length).toBeGreaterThan(0.8);
  });

  it('a recording at another speed a day after a training run at one speed: the drive settling into it is not taken into the offsets, and the recording is judged', () => {
    // Seed 4's training run holds 31 % load (no running point: every metric's normal is its
    // level); the next day's recording runs at 75 %. The re-base then sees every metric step by
    // tens of its spreads within its first seconds, while the drive ramps: averaged in, the ramp
    // left each offset about a spread short, and the recording alarmed from its third minute on
    // (1,681 of the 1,800 readings before its fault).
    const { loads, before, during } = anotherSpeedNextDay(4);
    expect(loads[0]).toBeLessThan(0.35);
    expect(loads[1]).toBeGreaterThan(0.7);
    expect(before.length).toBe(1800);
    expect(before.filter((h) => h.state !== 'healthy').length).toBeLessThan(before.length * 0.05);
    expect(during.filter((h) => h.rule === 'joint-residual').length / during.length).toBeGreaterThan(0.8);
  });

  it('a recording at another speed is judged from its third minute, not learnt again: the ramp into it is no running point, and its closed valve is found', () => {
    // Seed 9's training run holds 55 % load, the next day's recording full load. The drive's ramp
    // in the recording's first seconds was the readings' only shared steps: read as a running
    // point, it sent the model back to learning for an hour, and the closed valve half an hour in
    // was not judged (0 of its 600 readings alarmed).
    const { loads, before, during } = anotherSpeedNextDay(9);
    expect(loads[0]).toBeLessThan(0.6);
    expect(loads[1]).toBeGreaterThan(0.95);
    expect(before.filter((h) => h.state !== 'healthy').length).toBeLessThan(before.length * 0.1);
    expect(during.filter((h) => h.rule === 'joint-residual').length / during.length).toBeGreaterThan(0.8);
    expect(during.some((h) => /inletPressure/.test(h.explanation))).toBe(true);
  });

  it('a recording at another speed that begins once its drive has settled, its sensors in two messages: the step from the last recording is no running point', () => {
    // Seed 9's training run at 55 %, the recording at full load from its first reading. Its first
    // message after the gap carries half the sensors, each a step of tens of its spreads from the
    // day before: read as the machine's steps, they made the machine trained at one speed learn
    // again for an hour, and the closed valve was not judged (bench:multivariate seeds 1–6
    // --load-per-experiment --gap-min 60 --publish apart --trim-start 60: F1 0.569). What alarms
    // before the fault is the temperatures following the new speed (about one report in nine).
    const { before, during } = anotherSpeedNextDay(9, { settledS: 60, apart: true });
    expect(before.length).toBeGreaterThan(3000);
    expect(before.filter((h) => h.state !== 'healthy').length).toBeLessThan(before.length * 0.15);
    expect(during.filter((h) => h.rule === 'joint-residual').length / during.length).toBeGreaterThan(0.8);
  });

  it('an alarm that spans a gap is as old as its readings: the visit waits for 3 minutes of them, not for the clock', () => {
    // The recording breaks off a minute into the closed valve and goes on a day later.
    const plan = planWith('inlet_valve_closure', 0.6);
    const e = plan.experiments[0];
    const DAY = 24 * HOUR;
    const breakAt = e.faultStartMs + 60_000;
    const { reports, dispatches } = runAnalytics(plan, 'rig-gap-alarm', (s) => ({
      tsMs: s.tsMs + (s.tsMs >= breakAt ? DAY : 0),
      values: s.values,
    }));
    const alarmedBefore = reports.filter(
      (h) => h.tsMs >= e.faultStartMs && h.tsMs < breakAt && h.rule === 'joint-residual',
    );
    expect(alarmedBefore.length).toBeGreaterThan(30);
    expect(dispatches).toHaveLength(1);
    // On the rig's own clock: 3 minutes of readings after the alarm began (at the gap, before).
    const dispatchedAt = dispatches[0].tsMs - DAY;
    expect(dispatchedAt - alarmedBefore[0].tsMs).toBeGreaterThanOrEqual(180_000);
    expect(dispatchedAt).toBeLessThan(e.faultEndMs);
    const after = reports.find((h) => h.tsMs === breakAt + DAY);
    expect(after!.evidence.jointAlarmMs).toBeLessThan(120_000);
  });

  it('a quantised sensor repeating itself at a steady load is not stuck; one frozen while the load moves is, named as a sensor fault', () => {
    // 2 h of learning at loads 30-100 %, then an hour: the motor temperature read in 0.5 °C
    // steps (it sits on one step for minutes), and from 30 min the flow meter frozen at its last
    // reading while the drive keeps changing speed.
    const base = planPumpRig({ seed: 7, startMs: START, trainingMs: 2 * HOUR, repeats: 1 });
    const plan: PumpRigPlan = { ...base, experiments: [], endMs: START + 3 * HOUR };
    const frozenFrom = START + 2.5 * HOUR;
    let frozen = Number.NaN;
    const { reports } = runAnalytics(plan, 'rig-q', (s) => {
      const values = { ...s.values, motorTemperature: Math.round(s.values.motorTemperature * 2) / 2 };
      if (s.tsMs >= frozenFrom) {
        if (Number.isNaN(frozen)) frozen = values.flow;
        values.flow = frozen;
      }
      return { tsMs: s.tsMs, values };
    });
    const judged = reports.filter((h) => h.tsMs >= START + 2 * HOUR && h.tsMs < frozenFrom);
    expect(judged.length).toBeGreaterThan(1700);
    expect(judged.filter((h) => h.rule === 'stuck-sensor')).toEqual([]);
    const afterFreeze = reports.filter((h) => h.tsMs >= frozenFrom);
    const stuck = afterFreeze.find((h) => h.rule === 'stuck-sensor');
    expect(stuck).toBeDefined();
    expect(stuck!.explanation).toMatch(/^flow has repeated/);
    expect(stuck!.tsMs - frozenFrom).toBeLessThan(20 * 60_000);
  });
});
