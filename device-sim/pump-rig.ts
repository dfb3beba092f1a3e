// A multivariate pump test rig: one centrifugal pump on a variable-speed drive with eight sensors,
// all coupled through the same operating point, and recorded-experiment-like scenarios with one
// fault each (closed inlet or outlet valve, a leak, cavitation, rotor imbalance, a sensor's gain
// drifting), with ground truth per sample. Seeded and deterministic: a function of the plan, the
// seed and the sample index; no I/O. bench/multivariate.ts streams it through analytics as one
// device.
//
// The physics is the textbook one, normalised (flow q and speed n as shares of nominal, head as a
// share of the shut-off head at full speed), and only as detailed as the faults need:
// - pump curve H = n² − β q² (affinity laws); system curve H = Hs + Ks q² (+ the inlet loss Ki q²);
//   the operating point is where they meet: q² = (n² − Hs) / (β + Ks + Ki);
// - inlet pressure = tank pressure − Ki q²; outlet pressure = inlet + head × 6 bar;
// - shaft power = q H / η(q/n) + a share of n³ for friction; motor current = magnetising current
//   + a share proportional to power (a closed valve lowers it, a leak raises it);
// - vibration (acceleration RMS, g) grows with n²; an imbalance adds a 1× force ∝ n²; cavitation
//   adds broadband noise;
// - the fluid warms with the pump's losses and cools to ambient (time constant 15 min), the motor
//   with I² (5 min): slow variables that lag the load. The ambient is 24 °C unless the plan lets
//   it warm through the run or swing over the day (`ambientDriftCPerHour`, `ambientDailyC`).
// A load point between 30 and 100 % (the drive's speed set point) changes every 2–10 minutes and
// the drive ramps to it in about 15 s: a load change moves every sensor and is not a fault.

import { gaussian, prng } from '../core/random.ts';

/** The rig's metrics as it reports them, in this order (units: m³/h, bar, bar, A, g, g, °C, °C). */
export const PUMP_RIG_METRICS = [
  'flow',
  'inletPressure',
  'outletPressure',
  'motorCurrent',
  'pumpAcceleration',
  'motorAcceleration',
  'fluidTemperature',
  'motorTemperature',
] as const;
export type PumpRigMetric = (typeof PUMP_RIG_METRICS)[number];

export const PUMP_RIG_SCENARIOS = [
  'inlet_valve_closure',
  'outlet_valve_closure',
  'leak',
  'cavitation',
  'rotor_imbalance',
  'sensor_gain_drift',
] as const;
export type PumpRigScenario = (typeof PUMP_RIG_SCENARIOS)[number];

/** One recorded experiment: normal running, one fault from `faultStartMs` to `faultEndMs`, normal running again. */
export interface PumpRigExperiment {
  id: string;
  scenario: PumpRigScenario;
  startMs: number;
  faultStartMs: number;
  faultEndMs: number;
  endMs: number;
  /** 0..1: how far the fault goes (a valve's closure, the leak's share of the flow, …) within the scenario's range. */
  severity: number;
  /** The sensor whose gain drifts (sensor_gain_drift only). */
  driftMetric?: PumpRigMetric;
}

export interface PumpRigPlan {
  seed: number;
  startMs: number;
  /** Fault-free running before the first experiment (the model's training), ms. */
  trainingMs: number;
  experiments: PumpRigExperiment[];
  endMs: number;
  /** The drive's set points are drawn between these (shares of nominal speed; default 0.3 to 1; equal: a constant load). */
  loadMin?: number;
  loadMax?: number;
  /**
   * Recordings of different days streamed one after another: each experiment's temperatures read
   * this many °C times −1, −0.5, 0, 0.5 or 1 (by experiment) off the rig's, from its first sample
   * (default 0: one continuous run).
   */
  temperatureJumpC?: number;
  /**
   * Recordings of different days, each with its own calibration: each experiment's other six
   * sensors read this many of their noise's σ times −1, −0.5, 0, 0.5 or 1 (by experiment and
   * sensor) off the rig's, from its first sample (default 0). A flow meter's zero or a pressure
   * transmitter's offset moved by a fraction of a percent between two days' recordings.
   */
  recordingOffsetSpreads?: number;
  /**
   * The air around the rig: warming this many °C an hour from the plan's start (a closed loop or a
   * hall warming through a shift; default 0), and swinging this many °C either way over the day
   * (coolest at 04:00 UTC; default 0). The temperatures follow it through their thermal lag.
   */
  ambientDriftCPerHour?: number;
  ambientDailyC?: number;
  /**
   * One load point per experiment (and one for the training run), drawn from the same range, held
   * through it: a rig run at one speed per recording, recordings at different speeds one after
   * another (default false: a new load point every 2–10 minutes).
   */
  loadPerExperiment?: boolean;
}

export interface PumpRigSample {
  tsMs: number;
  values: Record<PumpRigMetric, number>;
  /** The drive's actual load (speed), 0.3..1: ground truth for the running state, not a sensor. */
  load: number;
  /** Ground truth: a fault is present at this sample. */
  fault: boolean;
  /** Index of the experiment this sample belongs to (−1: the training run). */
  experiment: number;
}

export const PUMP_RIG_STEP_MS = 1000;

/**
 * The plan: a fault-free training run, then `repeats` experiments of each scenario in a seeded
 * order, each 15–25 minutes long with its fault somewhere after its first third.
 */
export function planPumpRig(
  opts: { seed?: number; startMs?: number; trainingMs?: number; repeats?: number } = {},
): PumpRigPlan {
  const seed = opts.seed ?? 1;
  const startMs = opts.startMs ?? Date.parse('2026-01-01T00:00:00Z');
  const trainingMs = opts.trainingMs ?? 2 * 3600_000;
  const repeats = opts.repeats ?? 3;
  const rand = prng((seed ^ 0x51ed27) >>> 0);
  const scenarios: PumpRigScenario[] = [];
  for (let r = 0; r < repeats; r++) scenarios.push(...PUMP_RIG_SCENARIOS);
  // Fisher–Yates with the plan's own stream: the order of experiments is part of the seed.
  for (let i = scenarios.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [scenarios[i], scenarios[j]] = [scenarios[j], scenarios[i]];
  }
  const drifting: PumpRigMetric[] = ['flow', 'outletPressure', 'motorCurrent', 'inletPressure'];
  let t = startMs + trainingMs;
  const experiments = scenarios.map((scenario, i): PumpRigExperiment => {
    const before = seconds(360 + rand() * 240);
    const fault = seconds(scenario === 'sensor_gain_drift' ? 480 + rand() * 240 : 240 + rand() * 360);
    const after = seconds(300 + rand() * 120);
    const e: PumpRigExperiment = {
      id: `exp-${String(i + 1).padStart(2, '0')}-${scenario}`,
      scenario,
      startMs: t,
      faultStartMs: t + before,
      faultEndMs: t + before + fault,
      endMs: t + before + fault + after,
      severity: 0.3 + 0.7 * rand(),
    };
    if (scenario === 'sensor_gain_drift') e.driftMetric = drifting[Math.floor(rand() * drifting.length)];
    t = e.endMs;
    return e;
  });
  return { seed, startMs, trainingMs, experiments, endMs: t };
}

function seconds(s: number): number {
  return Math.round(s) * 1000;
}

// The rig's operating constants (normalised pump; see the file's head).
const NOMINAL_FLOW_M3H = 30;
const HEAD_BAR = 6;
const TANK_BAR = 0.8;
const STATIC_HEAD = 0.05;
const PUMP_BETA = 0.3;
const SYSTEM_K = 0.7;
const INLET_K = 0.1;
const MAGNETISING_A = 3;
const POWER_A = 9;
const AMBIENT_C = 24;
const FLUID_TAU_S = 900;
const MOTOR_TAU_S = 300;
/** Sensor noise, one σ in each metric's unit (a few % of its range, as a test rig's sensors show). */
const NOISE: Record<PumpRigMetric, number> = {
  flow: 0.45,
  inletPressure: 0.012,
  outletPressure: 0.06,
  motorCurrent: 0.12,
  pumpAcceleration: 0.012,
  motorAcceleration: 0.01,
  fluidTemperature: 0.05,
  motorTemperature: 0.08,
};

/**
 * How a device publishes the rig's eight sensors. `split`: in two messages at the same instant,
 * the hydraulic four and the rest (a device whose boards publish on their own); without it, one.
 * `temperaturesEveryS` > 0: the two temperatures leave those messages and go in one of their own,
 * 200 ms later, every that many readings (sensors read at a slower rate).
 */
export interface RigPublishing {
  split: boolean;
  temperaturesEveryS: number;
}

const HYDRAULIC: ReadonlySet<string> = new Set(['flow', 'inletPressure', 'outletPressure', 'motorCurrent']);
const TEMPERATURES: ReadonlySet<string> = new Set(['fluidTemperature', 'motorTemperature']);

/** The messages (timestamp, values) a device publishing as `how` sends for its `k`-th reading `s`. */
export function rigMessages(
  s: PumpRigSample,
  k: number,
  how: RigPublishing,
): { tsMs: number; values: Record<string, number> }[] {
  const slow = how.temperaturesEveryS > 0;
  if (!how.split && !slow) return [{ tsMs: s.tsMs, values: s.values }];
  const first: Record<string, number> = {};
  const second: Record<string, number> = {};
  const temperatures: Record<string, number> = {};
  for (const metric of PUMP_RIG_METRICS) {
    const value = s.values[metric];
    if (slow && TEMPERATURES.has(metric)) temperatures[metric] = value;
    else if (how.split && !HYDRAULIC.has(metric)) second[metric] = value;
    else first[metric] = value;
  }
  const out = [{ tsMs: s.tsMs, values: first }];
  if (how.split) out.push({ tsMs: s.tsMs, values: second });
  if (slow && k % how.temperaturesEveryS === 0) out.push({ tsMs: s.tsMs + 200, values: temperatures });
  return out;
}

/** The rig, sample by sample (1 Hz) from the plan's start to its end. */
export class PumpRig {
  readonly plan: PumpRigPlan;
  readonly #rand: () => number;
  readonly #loadRand: () => number;
  #ts: number;
  #load = 0.65;
  #setPoint = 0.65;
  #nextSetPointMs: number;
  #fluidC = AMBIENT_C + 4;
  #motorC = AMBIENT_C + 20;
  #ambientC = AMBIENT_C;
  readonly #gauss: () => number;
  #experiment = -1;

  constructor(plan: PumpRigPlan) {
    this.plan = plan;
    this.#rand = prng((plan.seed * 2654435761) >>> 0);
    this.#gauss = gaussian(this.#rand);
    // The load has its own stream: the same seed runs the same load whatever the faults draw.
    this.#loadRand = prng((plan.seed ^ 0x10ad) >>> 0);
    this.#ts = plan.startMs;
    this.#nextSetPointMs = plan.startMs;
    // Start the temperatures at their steady state for the first load, not cold.
    this.#ambientC = this.#ambientAt(plan.startMs);
    for (let i = 0; i < 3600; i++) this.#physics(this.#load, NO_FAULT, 1);
  }

  #ambientAt(tsMs: number): number {
    const hours = (tsMs - this.plan.startMs) / 3_600_000;
    const hourOfDay = (tsMs % 86_400_000) / 3_600_000;
    return (
      AMBIENT_C +
      (this.plan.ambientDriftCPerHour ?? 0) * hours -
      (this.plan.ambientDailyC ?? 0) * Math.cos((2 * Math.PI * (hourOfDay - 4)) / 24)
    );
  }

  /** The next sample, or null past the plan's end. */
  next(): PumpRigSample | null {
    const ts = this.#ts;
    if (ts >= this.plan.endMs) return null;
    this.#ts += PUMP_RIG_STEP_MS;
    if (ts >= this.#nextSetPointMs) {
      const lo = this.plan.loadMin ?? 0.3;
      const hi = this.plan.loadMax ?? 1;
      this.#setPoint = lo + (hi - lo) * this.#loadRand();
      this.#nextSetPointMs = ts + seconds(120 + this.#loadRand() * 480);
      if (this.plan.loadPerExperiment)
        this.#nextSetPointMs = this.plan.experiments.find((e) => e.startMs > ts)?.startMs ?? this.plan.endMs;
    }
    // The drive ramps to its set point (time constant 5 s: about 15 s to settle).
    this.#load += (this.#setPoint - this.#load) * (1 - Math.exp(-1 / 5));
    const exps = this.plan.experiments;
    while (this.#experiment + 1 < exps.length && ts >= exps[this.#experiment + 1].startMs) this.#experiment++;
    const e = this.#experiment >= 0 ? exps[this.#experiment] : null;
    const active = e !== null && ts >= e.faultStartMs && ts < e.faultEndMs;
    const fault = active ? faultAt(e!, ts) : NO_FAULT;
    this.#ambientC = this.#ambientAt(ts);
    const p = this.#physics(this.#load, fault, 1);
    const values = {} as Record<PumpRigMetric, number>;
    for (const metric of PUMP_RIG_METRICS) {
      let v = p[metric] + NOISE[metric] * this.#gauss();
      if (active && e!.driftMetric === metric) v *= 1 + fault.gainDrift;
      const offset = this.plan.recordingOffsetSpreads ?? 0;
      if (offset !== 0 && this.#experiment >= 0 && !TEMPERATURES.has(metric))
        v += (offset * NOISE[metric] * ((((this.#experiment * 3 + PUMP_RIG_METRICS.indexOf(metric)) * 7) % 5) - 2)) / 2;
      const jumpC = this.plan.temperatureJumpC ?? 0;
      if (jumpC !== 0 && this.#experiment >= 0 && (metric === 'fluidTemperature' || metric === 'motorTemperature'))
        v += (jumpC * (((this.#experiment * 7) % 5) - 2)) / 2;
      values[metric] = Math.round(v * 1000) / 1000;
    }
    return { tsMs: ts, values, load: this.#load, fault: active, experiment: this.#experiment };
  }

  #physics(n: number, f: FaultState, dtS: number): Record<PumpRigMetric, number> {
    const ki = INLET_K * (1 + f.inletClosure);
    const ks = SYSTEM_K * (1 + f.outletClosure) * (1 - 0.5 * f.leakShare);
    const q = Math.sqrt(Math.max(0, n * n - STATIC_HEAD) / (PUMP_BETA + ks + ki));
    // Cavitation: vapour at the impeller eye; the head breaks down a little, flow with it.
    const head = (n * n - PUMP_BETA * q * q) * (1 - 0.06 * f.cavitation);
    const qPump = q * (1 - 0.04 * f.cavitation);
    const measuredQ = qPump * (1 - f.leakShare);
    const inlet = TANK_BAR - ki * qPump * qPump - 0.05 * f.cavitation;
    const outlet = inlet + HEAD_BAR * head;
    const ratio = qPump / Math.max(n, 0.1);
    const efficiency = Math.max(0.3, 0.78 - 0.9 * (ratio - 0.9) ** 2);
    const power = (qPump * head) / efficiency + 0.08 * n * n * n;
    const current = MAGNETISING_A + POWER_A * power * (1 + 0.02 * f.imbalance);
    const cavNoise = f.cavitation > 0 ? f.cavitation * n * n * 0.05 * Math.abs(this.#gauss()) : 0;
    const pumpAcc = 0.08 + 0.22 * n * n + f.imbalance * 0.15 * n * n + cavNoise;
    const motorAcc = 0.06 + 0.15 * n * n + f.imbalance * 0.06 * n * n + 0.4 * cavNoise;
    // Losses into the fluid warm it more the less fluid carries them away.
    const fluidTarget = this.#ambientC + 6 * ((power - qPump * head) / (qPump + 0.3));
    this.#fluidC += (fluidTarget - this.#fluidC) * (1 - Math.exp(-dtS / FLUID_TAU_S));
    const motorTarget = this.#ambientC + 30 * (current / (MAGNETISING_A + POWER_A)) ** 2;
    this.#motorC += (motorTarget - this.#motorC) * (1 - Math.exp(-dtS / MOTOR_TAU_S));
    return {
      flow: NOMINAL_FLOW_M3H * measuredQ,
      inletPressure: inlet,
      outletPressure: outlet,
      motorCurrent: current,
      pumpAcceleration: pumpAcc,
      motorAcceleration: motorAcc,
      fluidTemperature: this.#fluidC,
      motorTemperature: this.#motorC,
    };
  }
}

interface FaultState {
  /** Added share of the inlet loss coefficient (a valve on the suction side closing). */
  inletClosure: number;
  /** Added share of the system's resistance (a valve on the delivery side closing). */
  outletClosure: number;
  /** Share of the pumped flow lost through a leak before the flow meter. */
  leakShare: number;
  /** 0..1 cavitation intensity. */
  cavitation: number;
  /** Imbalance in units of the healthy rotor's 1× force at full speed. */
  imbalance: number;
  /** The drifting sensor's gain error (a share). */
  gainDrift: number;
}

const NO_FAULT: FaultState = {
  inletClosure: 0,
  outletClosure: 0,
  leakShare: 0,
  cavitation: 0,
  imbalance: 0,
  gainDrift: 0,
};

/**
 * The fault's state at a time: a valve closes over 10 s and stays; a leak opens at once; an
 * imbalance (a weight added to the rotor) is there at once; cavitation sets in over 30 s; a
 * gain drifts linearly. Severity picks within each scenario's range, chosen so that no sensor
 * alone moves by more than a few of its noise σ at the same load.
 */
function faultAt(e: PumpRigExperiment, ts: number): FaultState {
  const s = e.severity;
  const sinceS = (ts - e.faultStartMs) / 1000;
  const ramp = (tauS: number) => Math.min(1, sinceS / tauS);
  switch (e.scenario) {
    case 'inlet_valve_closure':
      return { ...NO_FAULT, inletClosure: (1 + 3 * s) * ramp(10) };
    case 'outlet_valve_closure':
      return { ...NO_FAULT, outletClosure: (0.08 + 0.17 * s) * ramp(10) };
    case 'leak':
      return { ...NO_FAULT, leakShare: 0.03 + 0.05 * s };
    case 'cavitation':
      return { ...NO_FAULT, cavitation: (0.3 + 0.7 * s) * ramp(30) };
    case 'rotor_imbalance':
      return { ...NO_FAULT, imbalance: 0.15 + 0.35 * s };
    case 'sensor_gain_drift':
      // To 3–8 % over the fault's span.
      return { ...NO_FAULT, gainDrift: (0.03 + 0.05 * s) * ((ts - e.faultStartMs) / (e.faultEndMs - e.faultStartMs)) };
  }
}
