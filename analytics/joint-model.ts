// A device's joint normal, for devices with three or more metrics: where all its metrics should be
// together at the running point it is at, and how far the reading is from there.
//
// Why: a closed valve or a leak moves flow, pressure, current and the temperatures a little each,
// together; no metric alone leaves its normal range (which spans every load), so the per-metric
// rules miss it, and a load change moves every metric a lot, so per-metric rules that look at the
// level alarm on every load change. The relationship between the metrics is what a fault breaks.
//
// How (streaming, bounded state, O(d²) per reading, d ≤ 16):
// 1. Each metric is standardised by its running mean and spread (z).
// 2. The running point p: where along the direction the metrics step together the device runs. A
//    load change makes every load-coupled metric step at once, noise steps each alone and a slow
//    metric (a temperature lagging the load by minutes) hardly steps: the leading eigenvector of
//    the correlation of the readings' steps is the load's direction among the fast metrics, and
//    p weighs those by the inverse of their noise (generalised least squares).
// 3. The device's normal at p is a regression of every metric on a piecewise-linear function of p
//    (nine knots; the affinity laws make pressure ∝ speed² and power ∝ speed³: a straight line,
//    plain PCA, and even a cubic left load-dependent residuals of a few noise σ), on p smoothed
//    over 1 and 10 minutes and p² over 1 (a temperature follows the load's history, not its
//    present), and on p smoothed over a second (p is read off noisy metrics), learnt by exponentially
//    weighted least squares (the normal equations accumulate; solved every 32 readings).
// 4. The residual e = z − normal(p) is smoothed over about 40 s (a multivariate EWMA,
//    Lowry et al. 1992: a persistent shift adds up, noise averages out) and the covariance of
//    that smoothed residual on normal running is learnt with forgetting; the statistic is its
//    Mahalanobis distance T² = r̄ᵀ Σ⁻¹ r̄, and each metric's share r̄_i (Σ⁻¹ r̄)_i / T² (the
//    shares add up to 1) says which metrics broke the pattern. A temperature counts for at most
//    three of its spreads (it drifts with the unmeasured air for hours; TEMPERATURE_HELD_WITHIN).
// 5. A state alarm over minutes, with hysteresis: on when T²/d is `onRatio` times its learnt
//    usual level, off only once it has been under `offRatio` times for `clearSamples` seconds:
//    the alarm ends when the device is back at its normal for its load, not when a slow variable
//    stops drifting.
// Learning (the regression, the residual covariance, the usual level) stops while the alarm is on
// and while the statistic is between the off and on levels: a fault must not become the normal.
// The running point's scale and direction keep learning; when they move (the device shows a
// running range it had not shown), the normal is learnt again (no alarms while it is).

/**
 * Regressors of the normal: a piecewise-linear function of the running point (hat functions on
 * HATS knots from −2.4 to +2.4 of its σ, the end segments extended straight beyond), p smoothed
 * over a minute and over ten, p² smoothed over a minute, p smoothed over about a second
 * (POINT_SMOOTH), and p² itself. The last is the curvature within a hat's segment and beyond the
 * end knots (pressure ∝ speed², power ∝ speed³). Without it the regression could take curvature
 * only from the smoothed p², which lags a load change (bench:multivariate seeds 1–6: false alarms
 * 6.8 → 5.8 %, most of the fall within 3 minutes of a load change, 3,008 → 2,337 readings;
 * dispatch requests outside a fault 10 → 6; analytics/README.md "The load's curvature").
 */
const HATS = 9;
const HAT_MIN = -2.4;
const HAT_STEP = 0.6;
const K = HATS + 5;
/**
 * The running point smoothed over about a second (its per-second rate): a regressor, in the place
 * p² smoothed over ten minutes had. p is read off noisy metrics at each reading, so each metric's
 * normal is a function of a noisy input; and a sensor that averages (a flow meter's damping, an
 * RMS over a window) follows the load late. With p and its second's average both regressors, each
 * metric's normal takes what it needs of either. Ten minutes of p² had added little beside ten
 * minutes of p (a temperature's history) and a minute of p². It narrows the residuals' spreads,
 * and with them the offsets a new recording takes (#takeRecordingOffsets). bench:multivariate, both
 * together, seeds 1–6: F1 0.864 → 0.885, false alarms 5.9 → 5.0 %; better or the same in all 20
 * options; held-out seeds 11–16: 0.827 → 0.847, better in 16 of the 20 options, worse in one
 * (analytics/README.md "The running point's second"). Chosen on seeds 1–6 among 0.2, 0.35, 0.5,
 * 0.7 and 0.85 as a fifteenth regressor (0.872, 0.876, 0.876, 0.881, 0.885), then in the ten
 * minutes of p²'s place (0.885; the state no larger) or the minute of p's (0.872); with the take
 * at the on level, 0.5 / 0.7 / 0.85 gave 0.878 / 0.885 / 0.886.
 */
const POINT_SMOOTH = 0.7;
/**
 * Time is counted in seconds of readings: every learning, smoothing and hysteresis constant below
 * and in JointModelParams was set on readings a second apart and now stands for that much time
 * (a reading weighs the seconds since the one before, at most MAX_STEP_MS: a gap is not time
 * learnt). At 1 Hz every weight is 1 and nothing changes; a device reporting every 10 s learns in
 * the same hour, not in ten. Each phase also wants a least number of readings (the regression
 * has 13 regressors per metric), which only a device reporting less often than every few seconds
 * notices.
 */
const REFERENCE_MS = 1000;
const MAX_STEP_MS = 600_000;
/** A pause longer than this many usual reading intervals is a gap: it counts as one interval. */
const GAP_STEPS = 10;
/** Seconds of global statistics before the running point's direction is first taken (and at least so many readings). */
const SCALE_SAMPLES = 300;
const SCALE_READINGS = 100;
/**
 * Seconds of learning the normal (no alarms) after it, and then of learning the usual level.
 * Half an hour since session 8 (an hour before): every new normal (a running range it had not
 * seen) costs this plus LEVEL_SAMPLES without judging. Chosen on the rig's seeds 1–6 among seven
 * pairs of 20–60 minutes of normal and 10–30 of level (analytics/README.md "Learning: half an hour").
 */
const LEARN_SAMPLES = 1800;
const LEARN_READINGS = 600;
/** Seconds of learning the statistic's usual level before it judges. */
const LEVEL_SAMPLES = 1800;
const LEVEL_READINGS = 300;
/**
 * Seconds of that level learnt as read; after them a reading counts at most as `onRatio` × the
 * level so far. Chosen on the rig's seeds 1–6 among clips of 4, 10 and 20 × (all within 0.01 of
 * F1 of each other; none: 0.859 with a training run, 0.541 without one; 4 ×: 0.870 and 0.560).
 */
const LEVEL_CLIP_AFTER_S = 300;
/** A load history more than this share of its learnt range beyond it is news too. */
const HISTORY_MARGIN = 0.1;
/** Floors of the learning rates (1/readings of memory). */
const NORMAL_RATE_MIN = 1 / 20_000;
const COVARIANCE_RATE_MIN = 1 / 20_000;
const GLOBAL_RATE_MIN = 1 / 20_000;
const LEVEL_RATE_MIN = 1 / 5000;
/** Smoothing of the running point for the regressors of the load's history (about 1 and 10 minutes at 1 Hz). */
const HISTORY_FAST = 1 / 60;
const HISTORY_SLOW = 1 / 600;
/** Smoothing of the readings whose steps orient the running point. */
const STEP_SMOOTH = 0.3;
/** A metric steps with the load when its loading on the direction is at least this share of the largest. */
const LOADING_SHARE = 0.5;
/** A residual whose steps' variance is under this share of its own is slow (lag-1 autocorrelation above 0.95). */
const SLOW_BELOW = 0.1;
/** Smoothing of the metrics' shares of T² (about ten readings). */
const SHARE_SMOOTH = 0.1;
/** The regression, the Cholesky factor and the running point's direction are refreshed every this many readings. */
const REFRESH = 32;
/**
 * The direction moved this much (1 − |cos|), or the spread of a metric the running point is read
 * off by this factor (while learning; while judging, by SPREAD_MOVED_JUDGING): learn the normal
 * again. Only those metrics: the running point's scale is theirs, while T² does not depend on any
 * metric's scale (a temperature whose spread doubles as the day's loads widen it needs no new
 * normal; before, such moves sent the pump rig back to learning 2–6 times in its first hours and
 * once or twice later, 1.5 h without judging each). While judging, learning again costs an hour
 * without judging (an hour and a half before session 8), so only a clearly wider running range
 * does (2.5, 3 and 4 × gave the same on the rig's seeds 1–6: none moved that far).
 */
const DIRECTION_MOVED = 0.03;
const SPREAD_MOVED = 2;
const SPREAD_MOVED_JUDGING = 3;
/**
 * The readings' steps must share at least this many metrics' worth along the running point's
 * direction (its Rayleigh quotient on their correlation) for there to be a running point: a
 * machine at one steady load steps by noise alone (on the rig, six seeds after the first hour: at
 * a constant load 1.00–1.08, a load wandering ±5 % 1.00–1.15; loads 60–100 % 1.35–1.98, median
 * 1.70; 30–100 % 1.58–2.47). Without one, the normal is each metric's level and the load's small
 * wanderings are in the residual's covariance: a running point read off noise regresses each
 * metric on its own noise and, through the load's history, carries a fault's shift into the
 * normal for ten minutes after it. Steady below MIN / MARGIN, running-point again above
 * MIN × MARGIN, so that noise near the level does not switch it back and forth (each switch is a
 * new learning).
 */
const COMMON_STEPS_MIN = 1.25;
const COMMON_STEPS_MARGIN = 1.04;
/** Readings in a row the fast residual must show the fault gone before that ends an alarm. */
const CLEAR_READINGS = 5;
/**
 * An alarm is held by the metrics that raised it (a share of T² of at least ONSET_SHARE when it
 * began): once their fast residual no longer shows the fault it ends, and a metric that only
 * followed and is still clearly off (beyond 2 × SETTLED_WITHIN of its smoothed residual's usual
 * spread: a temperature warmed by a closed valve, cooling back over half an hour) is left out of
 * T² while it settles: at least SETTLE_MIN_S (the smoothed residual, set back to zero when the
 * alarm ends, needs about three of its memories of 2/λ = 40 s to show the offset again), then
 * until its smoothed residual is within SETTLED_WITHIN of its usual spread, at most SETTLE_MAX_S.
 * The device is back at its normal when what went wrong is back, not when a slow variable has
 * stopped drifting.
 */
const ONSET_SHARE = 0.2;
const SETTLED_WITHIN = 1.5;
const SETTLE_MIN_S = 120;
const SETTLE_MAX_S = 3600;
/**
 * A temperature (metric-kinds.ts `readsTemperature`) is re-based when it steps by more than
 * REBASE_JUMP of its residual's spread and of its reading-to-reading spread: thermal inertia says
 * a machine's temperature cannot, while a new recording's can (recordings of different days streamed one
 * after another), or a re-seated sensor's, or one read again after the machine stood. It is left
 * out of T² for REBASE_S seconds of readings while its new offset from the normal is averaged,
 * and read against its normal plus that offset from then on (until the next re-base, or a new
 * normal); nothing is learnt meanwhile. Only temperatures: a leak steps the flow and an imbalance
 * the vibration as abruptly, and those steps are the faults. A gap alone re-bases nothing: a
 * temperature near where it was needs no new offset, and a 60-s average is about as noisy as the
 * smoothed residual's usual spread (re-basing at every gap cost held-out seeds 11-16 0.016 of F1).
 */
const REBASE_JUMP = 6;
/**
 * A steady machine's temperature jumps beyond this share of REBASE_JUMP of its residual's spread
 * (and beyond REBASE_JUMP of its steps'). With no running point, a temperature's normal is its
 * level, and its residual follows every slow drift: after each change of speed it drifts for 5
 * to 15 minutes to its new level, and its learnt spread widens with those drifts. Recordings at
 * other speeds streamed with no pause, marked by their temperatures' jump of about a degree,
 * then had jumps within six of those spreads: nothing marked the recording, and it alarmed
 * throughout (bench:multivariate seeds 1–6 `--load-per-experiment --temperature-jump 1`: F1 0.822,
 * false alarms 15.9 %; 0.868 / 9.1 % so, held-out 0.739 / 29.1 % → 0.850 / 8.8 %; the other
 * options the same to the sample). Not where the value read was carried from an earlier reading
 * (temperatures in a message of their own every 2 minutes): its renewal steps by minutes of
 * thermal change at once. Nor with a running point: the residual's spread is then the normal's,
 * and at the half a moving load's temperatures were re-based as jumps (seeds 1–6 with 0.5 °C
 * steps 0.867 → 0.849, `--temperature-jump 0.5` 0.849 → 0.836). Chosen on seeds 1–6 among 1,
 * 0.5 and 0.25 (analytics/README.md "A recording at another speed").
 */
const STEADY_RESIDUAL_SHARE = 0.5;
const REBASE_S = 60;
/**
 * A pause of at least this long is a new recording (the machine was off, or recordings of
 * different days follow each other), and so is a temperature's jump beyond its thermal inertia and
 * beyond two of its sensor's steps (REBASE_JUMP: recordings streamed with no pause between them).
 * The metrics other than the temperatures are re-based over REBASE_RECORDING_S seconds of
 * readings from its start, as a temperature is after a jump. A
 * recording calibrated its own way reads each sensor a little off the last one's (a flow meter's
 * zero, a pressure transmitter's offset: a fraction of a percent). The smoothed residual's spread
 * is about a sixth of a sensor's noise, so half of that noise's σ off in every sensor alarmed
 * nearly all of the next recording (bench:multivariate seeds 1–6 `--gap-min 60 --recording-offset
 * 1`: F1 0.510, 93 % false alarms). The temperatures keep their own rule (a jump beyond thermal
 * inertia): re-based at every gap they took in what a fault before the gap left them settling
 * from. The offsets are taken only if together they are off the normal (#takeRecordingOffsets).
 * The cost: the recording's first two minutes are not judged, a fault already there when it starts
 * is learnt as its offsets, and where the normal is off at the load it starts at, that is taken
 * as an offset too (seeds 1–6 `--gap-min 60`, no offsets: F1 0.865 → 0.862, false alarms 5.8 →
 * 8.4 %; held-out 0.825 → 0.805). 120 s chosen on seeds 1–6 among 30, 60, 120 and 240
 * (analytics/README.md "A new recording"). Where the second minute's means are off the first's
 * as far as a fault must be off the normal to raise the alarm, the readings were still settling (a
 * new recording at another speed, with no running point to read it off: the drive's ramp is in
 * the residual) and the second minute alone gives the offsets: averaged in, the ramp left each a
 * spread short, and the recording alarmed throughout (seeds 1–6 `--load-per-experiment --gap-min
 * 60`: F1 0.553 → 0.675, false alarms 37.3 → 9.5 %; 0.875 / 7.6 % with the ramp's steps held out
 * of the running point's, #learnGlobal; analytics/README.md "A recording at another speed").
 */
const RECORDING_GAP_MS = 600_000;
const REBASE_RECORDING_S = 120;
/**
 * A new recording's offsets averaged where the normal is hardly learnt are taken again where it is.
 * The average is a calibration's offset plus whatever the normal is off by at the running point it
 * was taken at. Where the device has run for long (the knot nearest the running point has
 * RECORDING_LEARNT_S seconds of learning, or more), that error is small. At a load the training
 * ran little, it can be many of each metric's spreads. Taken as offsets, it then moved the normal
 * at every other load, and the device stayed alarmed until the next recording: on held-out seed 16
 * with a temperature's jump between recordings, offsets of 5–7 spreads in flow, outlet pressure
 * and current at a recording that began at full load, then their reverse at the next one. So
 * when any reading of the re-base was at such a point (or beyond the learnt range), the average
 * residual over the next REBASE_RECORDING_S seconds of readings at learnt points, within
 * RECORDING_REFINE_S, is added to the offsets if it is off the normal (the same T² test), and
 * again until it is not. The first pass right after a load change still carries the load's
 * history into the normal, so one pass was not enough. bench:multivariate held-out 11–16
 * `--gap-min 60`: F1 0.805 → 0.814, false alarms 13.1 → 10.8 %; `--temperature-jump 1`: 0.813 →
 * 0.818, 13.3 → 11.9 %; seeds 1–10 with temperatures every 2 minutes 0.794 → 0.855 (one seed
 * alarmed throughout before). The cost: a fault that begins within those minutes shifts the
 * correction. 300 s and 600 s were not tuned: 150, 300 and 600 s of learning, and 600 or 1,200 s
 * to refine in, gave the same within 0.01 (analytics/README.md "A new recording at a load hardly
 * run").
 */
const RECORDING_LEARNT_S = 300;
const RECORDING_REFINE_S = 600;
/**
 * A temperature's smoothed residual counts in T² (and in the shares) for at most this many of its
 * spreads either way. A temperature follows the air around the machine as well as the machine, and
 * the air is not measured: through a day (±5 °C), a hall warming through a shift or a closed loop
 * warming over its run (1 °C an hour), its residual from the normal drifts by many of its spreads
 * over hours, which is no fault of minutes. Unbounded, that drift alone raised the alarm, and
 * once alarmed the model learns nothing, so it stayed alarmed (bench:multivariate seeds 1–6
 * `--ambient-drift 1`: 31 % false alarms, seed 6 alarmed for good; `--ambient-daily 5`: 26 %).
 * Bounded, two temperatures add about 2 × 3² at most to a T² that alarms at 4 × d × its usual level, so
 * a temperature alone cannot raise the alarm, and a temperature that follows a fault still adds
 * its part. Chosen on seeds 1–6 between 2 and 3 (analytics/README.md, session 11).
 */
const TEMPERATURE_HELD_WITHIN = 3;
/** Ridges, as shares of the mean diagonal: the regression's (regressors that do not vary) and the covariance's (over its fast metrics). */
const REGRESSION_RIDGE = 1e-4;
const COVARIANCE_RIDGE = 1e-3;

export interface JointModelParams {
  /** Weight of a reading a second after the last in the smoothed residual (about 2/λ seconds of memory). */
  lambda: number;
  /** Alarm on when T²/d is this many times its usual level... */
  onRatio: number;
  /** ...off once under this many times... */
  offRatio: number;
  /** ...for this many seconds of readings in a row. */
  clearSamples: number;
  /**
   * Weight of a reading a second after the last in a fast-smoothed residual that says when an
   * alarm ends (0: the slow one does): its T² against its own usual level, under `offRatio` for
   * `clearSamples`. The slow statistic remembers a fault for a minute after it ended.
   */
  clearLambda: number;
  /** ...or once the fast residual shows less than this share of the slow one (its projection on it). */
  clearAlong: number;
}

export const DEFAULT_JOINT_MODEL_PARAMS: JointModelParams = {
  lambda: 0.05,
  onRatio: 4,
  offRatio: 2.5,
  clearSamples: 10,
  clearLambda: 0.3,
  clearAlong: 0.5,
};

/** Phases of learning. */
const SCALING = 0,
  LEARNING = 1,
  JUDGING = 2;

export interface JointModelState {
  metrics: string[];
  /** The layout of `state` (STATE_LAYOUT); absent in snapshots from before session 14. */
  layout?: number;
  state: number[];
}

/**
 * The layout of a snapshot's numbers. A snapshot of another layout is not restored (the model
 * learns afresh): the numbers' places move whenever the state gains a field, and a length check
 * alone took a layout one metric's worth of numbers shorter for an older one.
 */
const STATE_LAYOUT = 18;

/** The scalar fields a snapshot keeps before the array, in this order. */
const SCALARS = 21;

export class JointModel {
  readonly metrics: readonly string[];
  readonly d: number;
  readonly params: JointModelParams;
  /** Every number of the model in one array (offsets below): bounded state, no boxed fields. */
  readonly #s: Float64Array;
  readonly #gMean: number;
  readonly #gVar: number;
  readonly #gCov: number;
  readonly #gStep: number;
  readonly #gLast: number;
  /** 1 where the metric's value at the last reading was not renewed (carried from an earlier one). */
  readonly #gHeld: number;
  readonly #dir: number;
  readonly #dirRef: number;
  readonly #weights: number;
  readonly #spreadRef: number;
  readonly #meanRef: number;
  readonly #xtx: number;
  readonly #xtz: number;
  readonly #beta: number;
  readonly #cov: number;
  readonly #chol: number;
  readonly #z: number;
  readonly #e: number;
  readonly #smoothed: number;
  readonly #share: number;
  readonly #eVar: number;
  readonly #eStepVar: number;
  readonly #eLast: number;
  readonly #fast: number;
  /** 1 for the metrics that raised the current alarm (their share of T² when it began). */
  readonly #onset: number;
  /** 1 for a metric still settling after an alarm it did not raise: out of T² until it is back (or for SETTLE_MAX_S). */
  readonly #excused: number;
  /** Seconds of readings the settling metrics have had. */
  readonly #excusedSince: number;
  /** Each metric's last reading, and its normal (in its spreads) when the reading last changed: a sensor that repeats itself while its normal moves is stuck. */
  readonly #lastX: number;
  readonly #normalAtChange: number;
  /** Each metric's resolution: the smallest change between its readings seen (0: none yet), in its own unit. */
  readonly #resolution: number;
  /** The usual time between readings, ms (gaps left out). */
  readonly #typicalStep: number;
  /** Seconds of readings the current alarm has lasted (a gap counts as one usual interval). */
  readonly #alarmSeconds: number;
  readonly #quick: number;
  /** Per temperature: its offset from the normal since its last re-base (in its spreads), the seconds of averaging left, their weighted sum of residuals and weight. */
  readonly #offset: number;
  readonly #rebaseLeft: number;
  readonly #rebaseSum: number;
  readonly #rebaseWeight: number;
  /**
   * A new recording's re-base: −1 none pending, 0 pending, 1 pending and some reading of it was at
   * a running point hardly learnt; then the seconds of learnt readings still to average for its
   * refinement, and the seconds left to find them in (RECORDING_LEARNT_S, RECORDING_REFINE_S).
   */
  readonly #recordingUnsure: number;
  readonly #refineLeft: number;
  readonly #refineWithin: number;
  /** The running point smoothed over about a second (POINT_SMOOTH). */
  readonly #pointSmoothed: number;
  /** Which metrics read a temperature (they may be re-based). */
  readonly #temperature: readonly boolean[];
  /** Some metric is being re-based: nothing is learnt. */
  #anyRebasing = false;
  /** This reading starts a new recording (RECORDING_GAP_MS after the last). */
  #newRecording = false;
  /** A temperature stepped beyond its thermal inertia (and beyond two of its sensor's steps) at the last reading: a new recording too. */
  #temperatureJumped = false;
  /**
   * The model was narrowed from one whose metric was lost (without()): its next reading goes on the
   * same recording. The device went on reporting, but the lost metric's last value stood in only
   * briefly, so the model had no reading for up to QUIET_SENSOR_MS: a pause as long as a new
   * recording's, over which a temperature moved as far as a jump. Read as a new recording, a fault
   * then under way was taken as its offsets, and the device alarmed to its end (bench:multivariate
   * seeds 1–6 `--lose inletPressure`: F1 0.804 in session 12, 0.630 after 4ab36f1 made a
   * temperature's jump a new recording).
   */
  #continues = false;
  /** A new recording's re-base has just ended: its offsets are to be taken or dropped. */
  #recordingOffsetsDue = false;
  #n = 0;
  #phase = SCALING;
  /** Seconds of readings in this phase (learnt ones while learning), and how many readings. */
  #phaseN = 0;
  #phaseReadings = 0;
  #covN = 0;
  #lastTsMs = Number.NaN;
  /** This reading's weight (seconds since the last, at most MAX_STEP_MS) and the rates it gives. */
  #w = 1;
  /** Where the reading's rates (RATES of them), the load's history and its learnt range are in the array. */
  readonly #rates: number;
  #pScale = 1;
  /** No running point: the readings step by noise alone (a steady load), p is 0. */
  #steady = false;
  /** Some metric is settling (see #excused). */
  #anyExcused = false;
  #pMin = 0;
  #pMax = 0;
  /** The running point smoothed over a minute and over ten, and its square (HISTORY_FAST, HISTORY_SLOW): h₀ p̄₁, h₁ p²₁, h₂ p̄₁₀, h₃ p²₁₀. */
  readonly #history: number;
  /** The learnt range of each of the four, min and max. */
  readonly #historyRange: number;
  #level = 1;
  #levelN = 0;
  #levelReadings = 0;
  #ratio = 0;
  #t2 = 0;
  #fastCount = 1;
  #alarm = false;
  #clearRun = 0;
  #goneReadings = 0;
  #alarmSamples = 0;
  #alarmSinceMs = Number.NaN;
  /** The last reading's running point (σ along the direction the metrics step together). */
  runningPoint = 0;

  constructor(
    metrics: readonly string[],
    params: JointModelParams = DEFAULT_JOINT_MODEL_PARAMS,
    readsTemperature: readonly boolean[] = [],
  ) {
    const d = metrics.length;
    this.metrics = metrics;
    this.#temperature = metrics.map((_, i) => readsTemperature[i] === true);
    this.d = d;
    this.params = params;
    let o = 0;
    const take = (k: number) => {
      const at = o;
      o += k;
      return at;
    };
    this.#gMean = take(d);
    this.#gVar = take(d);
    this.#gCov = take(tri(d));
    this.#gStep = take(tri(d));
    this.#gLast = take(d);
    this.#gHeld = take(d);
    this.#dir = take(d);
    this.#dirRef = take(d);
    this.#weights = take(d);
    this.#spreadRef = take(d);
    this.#meanRef = take(d);
    this.#xtx = take(tri(K));
    this.#xtz = take(K * d);
    this.#beta = take(K * d);
    this.#cov = take(tri(d));
    this.#chol = take(tri(d));

    this.#z = take(d);
    this.#e = take(d);
    this.#smoothed = take(d);
    this.#share = take(d);
    this.#eVar = take(d);
    this.#eStepVar = take(d);
    this.#eLast = take(d);
    this.#fast = take(d);
    this.#quick = take(d);
    this.#onset = take(d);
    this.#excused = take(d);
    this.#lastX = take(d);
    this.#normalAtChange = take(d);
    this.#offset = take(d);
    this.#rebaseLeft = take(d);
    this.#rebaseSum = take(d);
    this.#rebaseWeight = take(d);
    this.#typicalStep = take(1);
    this.#alarmSeconds = take(1);
    this.#excusedSince = take(1);
    this.#recordingUnsure = take(1);
    this.#refineLeft = take(1);
    this.#refineWithin = take(1);
    this.#resolution = take(d);
    this.#pointSmoothed = take(1);
    // In the one array, not arrays of their own: a small array's object costs as much as its numbers.
    this.#rates = take(RATES);
    this.#history = take(4);
    this.#historyRange = take(8);
    this.#s = new Float64Array(o);
    this.#s[this.#recordingUnsure] = -1;
  }

  /** Bytes of numeric state (the array; the object around it adds a few hundred). */
  get stateBytes(): number {
    return this.#s.byteLength;
  }

  /** Whether the model judges (its normal and usual level are learnt). */
  get judging(): boolean {
    return this.#phase === JUDGING && this.#levelLearnt();
  }

  #levelLearnt(): boolean {
    return this.#levelN >= LEVEL_SAMPLES && this.#levelReadings >= LEVEL_READINGS;
  }

  /** The weight of a reading at tsMs, and the per-second rates compounded over it (recomputed only when it changes). */
  #weigh(tsMs: number): void {
    const s = this.#s;
    const typical = s[this.#typicalStep];
    let dt = this.#lastTsMs < tsMs ? Math.min(MAX_STEP_MS, tsMs - this.#lastTsMs) : REFERENCE_MS;
    // A pause of more than GAP_STEPS readings' worth is a gap (the device was off, or recordings
    // of different days follow each other): the reading after it weighs one usual interval, not
    // up to ten minutes of learning and smoothing in one value.
    if (typical > 0 && dt > GAP_STEPS * typical) dt = typical;
    else s[this.#typicalStep] = typical > 0 ? typical + 0.05 * (dt - typical) : dt;
    this.#newRecording =
      !this.#continues &&
      ((this.#lastTsMs < tsMs && tsMs - this.#lastTsMs >= RECORDING_GAP_MS) || this.#temperatureJumped);
    this.#temperatureJumped = false;
    this.#lastTsMs = tsMs;
    const w = dt / REFERENCE_MS;
    const r = this.#rates;
    if (w === this.#w && s[r + R_LAMBDA] !== 0) return;
    this.#w = w;
    const per = (rate: number) => (w === 1 ? rate : 1 - (1 - rate) ** w);
    s[r + R_LAMBDA] = per(this.params.lambda);
    s[r + R_CLEAR_LAMBDA] = per(this.params.clearLambda);
    s[r + R_HISTORY_FAST] = per(HISTORY_FAST);
    s[r + R_HISTORY_SLOW] = per(HISTORY_SLOW);
    s[r + R_POINT_SMOOTH] = per(POINT_SMOOTH);
    s[r + R_SHARE] = per(SHARE_SMOOTH);
    s[r + R_NORMAL_MIN] = per(NORMAL_RATE_MIN);
    s[r + R_COVARIANCE_MIN] = per(COVARIANCE_RATE_MIN);
    s[r + R_GLOBAL_MIN] = per(GLOBAL_RATE_MIN);
    s[r + R_LEVEL_MIN] = per(LEVEL_RATE_MIN);
  }

  get alarm(): boolean {
    return this.#alarm;
  }

  /** Readings the current alarm has lasted (0: none). */
  get alarmSamples(): number {
    return this.#alarmSamples;
  }

  /** When the current alarm began (NaN: none). */
  get alarmSinceMs(): number {
    return this.#alarmSinceMs;
  }

  /**
   * How long the current alarm has lasted in time of readings, ms (0: none): a gap in the
   * readings (recordings of different days, a device that was off) counts as one usual interval,
   * so an alarm that spans one is not a day old at its next reading.
   */
  get alarmMs(): number {
    return this.#alarm ? this.#s[this.#alarmSeconds] * REFERENCE_MS : 0;
  }

  /** The last reading's T² of the smoothed residual. */
  get t2(): number {
    return this.#t2;
  }

  /** T²/d against its usual level: 1 is usual. */
  get ratio(): number {
    return this.#ratio;
  }

  /** Metric i's smoothed share of T² (the shares add up to about 1). */
  share(i: number): number {
    return this.#s[this.#share + i];
  }

  /** Metric i's smoothed residual from its normal at the running point, in its spreads (+ above, − below). */
  residual(i: number): number {
    return this.#s[this.#smoothed + i];
  }

  /**
   * How far metric i's normal has moved, in its residual's spreads, since its reading last
   * changed (NaN while it does not judge): a reading that stays exactly the same while the other
   * metrics say it should have moved is a stuck sensor; one that stays the same while nothing moves
   * is a quantised sensor at a steady running point. Counted beyond one step of the sensor's
   * resolution: a sensor in 0.5 °C steps stays on one value while the temperature moves up to a
   * step (bench:multivariate --round fluidTemperature:0.5,motorTemperature:0.5 before this: 1,404
   * readings alarmed as a stuck sensor).
   */
  normalMovedSinceChange(i: number): number {
    if (!this.judging) return Number.NaN;
    const s = this.#s;
    const predicted = s[this.#z + i] - s[this.#e + i];
    const spread = Math.sqrt(s[this.#eVar + i]);
    const step = s[this.#resolution + i] / s[this.#spreadRef + i];
    const moved = Math.abs(predicted - s[this.#normalAtChange + i]) - (Number.isFinite(step) && step > 0 ? step : 0);
    return spread > 0 ? Math.max(0, moved) / spread : Number.NaN;
  }

  /** Metric i's index, in the metrics this model was made for (−1: not one). */
  indexOf(metric: string): number {
    return this.metrics.indexOf(metric);
  }

  /** Forgets everything (a baseline reset). */
  reset(): void {
    this.#s.fill(0);
    this.#s[this.#recordingUnsure] = -1;
    this.#n = 0;
    this.#phase = SCALING;
    this.#phaseN = 0;
    this.#phaseReadings = 0;
    this.#covN = 0;
    this.#pScale = 1;
    this.#steady = false;
    this.#anyExcused = false;
    this.#anyRebasing = false;
    this.#level = 1;
    this.#levelN = 0;
    this.#levelReadings = 0;
    this.#lastTsMs = Number.NaN;
    this.#ratio = 0;
    this.#t2 = 0;
    this.#endAlarm();
  }

  /**
   * One reading, its values in `metrics` order: judged against the normal, then learnt (unless
   * alarmed). `renewed` (1 or 0 per metric; absent: all 1) says which values are new since the
   * last reading: a slower sensor's value is carried between its own readings (see #learnGlobal).
   */
  update(tsMs: number, x: ArrayLike<number>, renewed?: ArrayLike<number>): void {
    const s = this.#s;
    const d = this.d;
    this.#n++;
    this.#weigh(tsMs);
    const rates = this.#rates;
    this.#learnGlobal(x, renewed);
    this.#continues = false;
    if (this.#phase === SCALING) {
      this.#phaseN += this.#w;
      if (++this.#phaseReadings >= SCALE_READINGS && this.#phaseN >= SCALE_SAMPLES) this.#startLearning();
      return;
    }
    // Standardised reading, its running point and the load's history.
    const meanRef = this.#meanRef;
    const spreadRef = this.#spreadRef;
    const weights = this.#weights;
    const z = this.#z;
    let p = 0;
    for (let i = 0; i < d; i++) {
      const dev = x[i] - s[meanRef + i];
      s[z + i] = dev / s[spreadRef + i] - s[this.#offset + i];
      p += s[weights + i] * dev;
    }
    p /= this.#pScale;
    this.runningPoint = p;
    const h = this.#history;
    const fastRate = s[rates + R_HISTORY_FAST];
    const slowRate = s[rates + R_HISTORY_SLOW];
    s[h] += fastRate * (p - s[h]);
    s[h + 1] += fastRate * (p * p - s[h + 1]);
    s[h + 2] += slowRate * (p - s[h + 2]);
    s[h + 3] += slowRate * (p * p - s[h + 3]);
    s[this.#pointSmoothed] += s[rates + R_POINT_SMOOTH] * (p - s[this.#pointSmoothed]);
    const phi = REGRESSORS;
    phi.fill(0, 0, HATS);
    // Beyond the first or last knot the end segment goes on straight (linear extrapolation), not
    // flat: a running range wider than ±2.4 of its σ (the rig's 30 % load is at −3.2) has its
    // normal there from the curve's slope. Clamped, every running point past the end knot had
    // the same normal, and the flow's residual at the lowest loads was a spread or more.
    const at = (p - HAT_MIN) / HAT_STEP;
    const knot = Math.max(0, Math.min(HATS - 2, Math.floor(at)));
    phi[knot] = knot + 1 - at;
    phi[knot + 1] = at - knot;
    phi[HATS] = s[h];
    phi[HATS + 1] = s[h + 1];
    phi[HATS + 2] = s[h + 2];
    // Ten minutes of p² (h[3]) is no regressor: it still marks a load's history never run as news (#novel).
    phi[HATS + 3] = s[this.#pointSmoothed];
    phi[HATS + 4] = p * p;
    // The residual from the normal, and its smoothed value. A running point beyond any learnt (a
    // load never run before) is not judged: the normal there is an extrapolation. It is learnt
    // (the range grows), and the smoothed residual fades meanwhile.
    const novel = this.#phase === JUDGING && this.#novel(p);
    const beta = this.#beta;
    const e = this.#e;
    const r = this.#smoothed;
    const lambda = s[rates + R_LAMBDA];
    const quickLambda = s[rates + R_CLEAR_LAMBDA];
    const q = this.#quick;
    if (this.#newRecording && this.#phase === JUDGING) {
      for (let i = 0; i < d; i++) if (!this.#temperature[i]) this.#startRebase(i, REBASE_RECORDING_S);
      s[this.#recordingUnsure] = 0;
      s[this.#refineLeft] = 0;
    }
    // Whether the normal is hardly learnt here: asked only of a new recording's readings.
    const unlearnt = (s[this.#recordingUnsure] >= 0 || s[this.#refineLeft] > 0) && (novel || this.#hardlyLearnt(p));
    if (unlearnt && s[this.#recordingUnsure] === 0) s[this.#recordingUnsure] = 1;
    for (let i = 0; i < d; i++) {
      // The hats the running point is not on add nothing (the same sum, bit for bit, in half the time).
      let predicted = phi[knot] * s[beta + knot * d + i] + phi[knot + 1] * s[beta + (knot + 1) * d + i];
      for (let k = HATS; k < K; k++) predicted += phi[k] * s[beta + k * d + i];
      let ei = s[z + i] - predicted;
      if (this.#temperature[i] || s[this.#rebaseLeft + i] > 0) ei = this.#rebase(i, x[i], ei);
      s[e + i] = ei;
      if (x[i] !== s[this.#lastX + i]) {
        const change = Math.abs(x[i] - s[this.#lastX + i]);
        const resolution = this.#resolution + i;
        if (s[resolution] === 0 || change < s[resolution]) s[resolution] = change;
        s[this.#lastX + i] = x[i];
        s[this.#normalAtChange + i] = predicted;
      }
      if (s[this.#rebaseLeft + i] > 0) {
        // Being re-based: read as at its normal.
        s[r + i] = 0;
        s[q + i] = 0;
        continue;
      }
      s[r + i] += lambda * ((novel ? 0 : ei) - s[r + i]);
      s[q + i] += quickLambda * ((novel ? 0 : ei) - s[q + i]);
    }
    if (this.#recordingOffsetsDue) this.#takeRecordingOffsets();
    else if (s[this.#refineLeft] > 0) this.#refineRecordingOffsets(unlearnt);
    if (novel) {
      // Alarmed, it may still end (the smoothed residual fades), but nothing is learnt: a fault
      // that takes the device somewhere new must not teach it.
      if (this.#alarm) this.#judge(tsMs);
      else if (!this.#anyRebasing) this.#learnNormal(p);
    } else {
      if (this.#phase === JUDGING) this.#judge(tsMs);
      // Learnt only while the device is clearly at its normal: not alarmed, and not in the band
      // between the alarm's off and on levels where a fault is building up.
      if (!this.#alarm && !this.#anyRebasing && !(this.#levelLearnt() && this.#ratio >= this.params.offRatio)) {
        this.#learnNormal(p);
        // Not while a metric settles: its residual then is the fault's after-effect, not its spread.
        if (!this.#anyExcused) this.#learnCovariance();
      }
    }
    if (this.#n % REFRESH === 0) this.#refresh();
  }

  /**
   * Metric i's residual ei, re-based: a temperature's re-base starts on a step beyond its thermal
   * inertia (REBASE_JUMP) and any other metric's at a new recording (RECORDING_GAP_MS); it
   * averages the residual for its seconds, then takes the average as the metric's new offset.
   * Returns the residual against the offset.
   */
  #rebase(i: number, xi: number, ei: number): number {
    const s = this.#s;
    const left = this.#rebaseLeft + i;
    if (s[left] === 0) {
      // Beyond its usual steps and beyond its usual residual: a sensor read in coarse steps (0.5 °C)
      // steps seldom, so its steps' spread is small, but each step is within its residual's.
      if (JUMPED[i] === 0) return ei;
      this.#startRebase(i, REBASE_S);
      // Beyond two of the sensor's own steps: a coarse sensor's one step is not a new recording.
      if (Math.abs(xi - s[this.#lastX + i]) > 2 * s[this.#resolution + i]) this.#temperatureJumped = true;
    }
    const w = this.#w;
    s[this.#rebaseSum + i] += w * ei;
    s[this.#rebaseWeight + i] += w;
    const before = s[left];
    s[left] = Math.max(0, before - w);
    if (!this.#temperature[i] && before > REBASE_RECORDING_S / 2 && s[left] <= REBASE_RECORDING_S / 2) {
      // Halfway through a new recording's re-base: the first half's mean is kept, the second's
      // begins. Kept in the metric's last residual, which nothing reads while it is re-based (no
      // learning) and #takeRecordingOffsets sets again.
      s[this.#eLast + i] = s[this.#rebaseSum + i] / s[this.#rebaseWeight + i];
      if (s[left] > 0) {
        s[this.#rebaseSum + i] = 0;
        s[this.#rebaseWeight + i] = 0;
      }
    }
    if (s[left] > 0) return ei;
    const offset = s[this.#rebaseSum + i] / s[this.#rebaseWeight + i];
    if (!this.#temperature[i]) {
      // A new recording's offsets are taken together, or not at all (#takeRecordingOffsets).
      s[this.#rebaseSum + i] = offset;
      s[this.#rebaseWeight + i] = -1;
      this.#recordingOffsetsDue = true;
      this.#anyRebasing = this.#rebasing();
      return ei;
    }
    s[this.#offset + i] += offset;
    s[this.#eLast + i] = ei - offset;
    this.#anyRebasing = this.#rebasing();
    return ei - offset;
  }

  /**
   * Temperature i read `xi` steps beyond its thermal inertia (REBASE_JUMP): beyond its usual steps
   * and beyond its usual residual (a sensor read in coarse steps, 0.5 °C, steps seldom, so its
   * steps' spread is small, but each step is within its residual's). A steady machine's (no
   * running point) by STEADY_RESIDUAL_SHARE of its residual's spread, unless its last value was
   * carried (see there). Asked once per reading, before the reading is learnt (#learnGlobal:
   * JUMPED), while #gHeld still says whether the value before was carried.
   */
  #jumpsBeyondInertia(i: number, xi: number): boolean {
    if (!this.#temperature[i] || this.#phase !== JUDGING) return false;
    const s = this.#s;
    const share = this.#steady && s[this.#gHeld + i] === 0 ? STEADY_RESIDUAL_SHARE : 1;
    const usual = Math.max(s[this.#eStepVar + i], share * share * s[this.#eVar + i]);
    return usual > 0 && Math.abs(xi - s[this.#lastX + i]) / s[this.#spreadRef + i] > REBASE_JUMP * Math.sqrt(usual);
  }

  /**
   * A new recording's averaged residuals (the metrics re-based at its start, marked by a weight of
   * −1) become their offsets only if together they are off the normal: their T² against the usual
   * level at least the alarm's on level (its off level on a machine with no running point; see
   * below). Otherwise the recording reads as the last one did, and
   * the averages (noise, and whatever the normal is off by at that load) are dropped: taken at
   * every gap, they cost seeds 1–6 `--gap-min 60` 0.865 → 0.841 in F1 (false alarms 5.8 → 10.1 %)
   * with no offsets to take; 0.862 and 8.4 % so.
   */
  #takeRecordingOffsets(): void {
    const s = this.#s;
    const d = this.d;
    const o = JUDGED_RESIDUAL;
    // The second half's means off the first's as far as a fault must be off the normal to raise
    // the alarm: the readings were still settling (a new recording at a new load point: with no
    // running point, a drive's ramp is in the residual), and the second half alone is the offset.
    // At the off level instead, the noisier half was taken at recordings calibrated each their own
    // way too (`--gap-min 60 --recording-offset 1`: false alarms 9.7 → 10.0 %, held-out 12.4 →
    // 12.6 %; `--load-per-experiment --gap-min 60` 0.875 → 0.880).
    for (let i = 0; i < d; i++)
      o[i] = s[this.#rebaseWeight + i] === -1 ? s[this.#rebaseSum + i] - s[this.#eLast + i] : 0;
    const settling = this.#ratioOf(o) >= this.params.onRatio;
    for (let i = 0; i < d; i++) {
      if (s[this.#rebaseWeight + i] !== -1) continue;
      const secondHalf = s[this.#rebaseSum + i];
      o[i] = settling ? secondHalf : (secondHalf + s[this.#eLast + i]) / 2;
    }
    // Taken if together they are as far off the normal as a fault must be to raise the alarm (the
    // on level), or, on a machine with no running point, to keep it on (the off level). With a
    // running point the normal follows the load, so a recording's offsets are only a calibration's;
    // where it has none, the averages are two minutes of noise and of the normal's error at that
    // load. Once the running point's second-long average (POINT_SMOOTH) narrowed the residuals,
    // those passed the off level more often, and the wrong offsets stayed until the next
    // recording (held-out seeds 11–16 `--temperature-jump 1`: 0.819 / 11.8 % before, 0.802 /
    // 16.3 % with the average and the off level, 0.824 / 12.7 % with the on level; seeds 1–6
    // 0.843 → 0.865 → 0.870). With no running point the offsets carry each recording's speed, and
    // at the on level some were left out (`--load-per-experiment --gap-min 60` 0.875 → 0.861).
    const take = this.#ratioOf(o) >= (this.#steady ? this.params.offRatio : this.params.onRatio);
    for (let i = 0; i < d; i++) {
      if (s[this.#rebaseWeight + i] !== -1) continue;
      s[this.#rebaseWeight + i] = 0;
      s[this.#eLast + i] = s[this.#e + i] - (take ? o[i] : 0);
      if (take) s[this.#offset + i] += o[i];
    }
    this.#recordingOffsetsDue = false;
    if (take && s[this.#recordingUnsure] === 1) this.#startRefining(RECORDING_REFINE_S);
    s[this.#recordingUnsure] = -1;
  }

  /** The next REBASE_RECORDING_S seconds of readings at learnt running points, within `withinS`, refine the recording's offsets. */
  #startRefining(withinS: number): void {
    const s = this.#s;
    s[this.#refineLeft] = REBASE_RECORDING_S;
    s[this.#refineWithin] = withinS;
    for (let i = 0; i < this.d; i++) {
      if (this.#temperature[i]) continue;
      s[this.#rebaseSum + i] = 0;
      s[this.#rebaseWeight + i] = 0;
    }
  }

  /**
   * A reading while the recording's offsets are refined (see RECORDING_LEARNT_S): its residuals,
   * against the offsets as they are, averaged if the normal is learnt where it runs. At the end the
   * average is added to the offsets if it is off the normal, and a new pass starts in the time left.
   */
  #refineRecordingOffsets(unlearnt: boolean): void {
    const s = this.#s;
    const d = this.d;
    const w = this.#w;
    s[this.#refineWithin] -= w;
    if (!unlearnt) {
      for (let i = 0; i < d; i++) {
        if (this.#temperature[i]) continue;
        s[this.#rebaseSum + i] += w * s[this.#e + i];
        s[this.#rebaseWeight + i] += w;
      }
      s[this.#refineLeft] -= w;
    }
    if (s[this.#refineLeft] > 0 && s[this.#refineWithin] > 0) return;
    const averaged = s[this.#refineLeft] <= 0;
    s[this.#refineLeft] = 0;
    if (!averaged) return;
    const o = JUDGED_RESIDUAL;
    for (let i = 0; i < d; i++)
      o[i] =
        !this.#temperature[i] && s[this.#rebaseWeight + i] > 0 ? s[this.#rebaseSum + i] / s[this.#rebaseWeight + i] : 0;
    if (this.#ratioOf(o) < this.params.offRatio) return;
    for (let i = 0; i < d; i++) {
      if (this.#temperature[i]) continue;
      s[this.#offset + i] += o[i];
      s[this.#eLast + i] -= o[i];
      // The smoothed residuals were of the offsets before.
      s[this.#smoothed + i] -= o[i];
      s[this.#quick + i] -= o[i];
    }
    if (s[this.#refineWithin] > 0) this.#startRefining(s[this.#refineWithin]);
  }

  /**
   * The normal at running point p is hardly learnt: the knot nearest it has under
   * RECORDING_LEARNT_S seconds of learning (its share of the regression's weight times the
   * regression's memory), or p is half a knot's step or more beyond the end knots.
   */
  #hardlyLearnt(p: number): boolean {
    const nearest = Math.round((p - HAT_MIN) / HAT_STEP);
    if (nearest < 0 || nearest > HATS - 1) return true;
    const memory = Math.min(this.#phaseN, 1 / NORMAL_RATE_MIN);
    return this.#s[this.#xtx + tri(nearest) + nearest] * memory < RECORDING_LEARNT_S;
  }

  /**
   * Forward substitution L y = r over the fast metrics (a slow one's row is the identity's, its
   * residual read as 0): y in SCRATCH_A, and T² = |y|² returned.
   */
  /** A residual's T² per fast metric against the usual level: what the alarm's on and off levels are in. */
  #ratioOf(r: ArrayLike<number>): number {
    return this.#whitened(r) / this.#fastCount / this.#level;
  }

  #whitened(r: ArrayLike<number>): number {
    const s = this.#s;
    const L = this.#chol;
    const fast = this.#fast;
    const y = SCRATCH_A;
    let t2 = 0;
    for (let i = 0; i < this.d; i++) {
      let acc = s[fast + i] * r[i];
      const row = L + tri(i);
      for (let j = 0; j < i; j++) acc -= s[row + j] * y[j];
      const yi = acc / s[row + i];
      y[i] = yi;
      t2 += yi * yi;
    }
    return t2;
  }

  /** Metric i is re-based over the next `seconds` of readings (see REBASE_JUMP, RECORDING_GAP_MS). */
  #startRebase(i: number, seconds: number): void {
    const s = this.#s;
    s[this.#rebaseLeft + i] = seconds;
    s[this.#rebaseSum + i] = 0;
    s[this.#rebaseWeight + i] = 0;
    this.#anyRebasing = true;
  }

  #rebasing(): boolean {
    for (let i = 0; i < this.d; i++) if (this.#s[this.#rebaseLeft + i] > 0) return true;
    return false;
  }

  /**
   * Running mean, variance and covariance of the raw readings, and the covariance of their
   * (lightly smoothed) steps from one reading to the next: always learnt, they only scale and
   * orient the running point.
   */
  #learnGlobal(x: ArrayLike<number>, renewed: ArrayLike<number> | undefined): void {
    const s = this.#s;
    const d = this.d;
    const floor = s[this.#rates + R_GLOBAL_MIN];
    const rate = Math.max(1 / this.#n, floor);
    const stepRate = Math.max(1 / Math.max(1, this.#n - 1), floor);
    const m = this.#gMean;
    const v = this.#gVar;
    const c = this.#gCov;
    const st = this.#gStep;
    const last = this.#gLast;
    const dev = SCRATCH_A;
    const step = SCRATCH_B;
    const first = this.#n === 1;
    // A new recording's first reading is no step from the last one's, in any metric: a recording
    // at another speed steps every metric at once (after a gap, or with its temperatures' jump).
    // Which temperatures jump at this reading (read again by #rebase).
    let newRecording = this.#newRecording;
    for (let i = 0; i < d; i++) {
      JUMPED[i] = !this.#continues && this.#jumpsBeyondInertia(i, x[i]) ? 1 : 0;
      if (JUMPED[i] === 1) newRecording = true;
    }
    for (let i = 0; i < d; i++) {
      const di = x[i] - s[m + i];
      s[m + i] += rate * di;
      dev[i] = di;
      // Steps of the reading smoothed over a few readings: noise steps shrink, a load ramp stays.
      // A value carried from an earlier reading, and the renewed one after it, are no step from
      // one reading to the next; nor is a temperature's jump beyond its thermal inertia (another
      // recording's air, re-based as an offset): two temperatures jumping together at each new
      // recording of a machine at one steady load were its readings' only shared steps, and the
      // model took them for a running point (analytics/README.md "A temperature's jump is no
      // step"). A sensor read less often than the others (temperatures in a
      // message of their own every 2 minutes) stands still for many readings and then steps, and
      // sensors read together step together: two such temperatures were the readings' largest
      // shared step, and the running point was read off them for the first hour (loadings 0.70 /
      // 0.70 on them, at most 0.14 on the load's metrics; analytics/README.md "A slower sensor's
      // steps").
      const fresh = renewed === undefined || renewed[i] === 1;
      // Nor are a metric's steps while a new recording re-bases it: the recording's offsets take
      // them (a recording at another speed, its drive ramping in its first seconds). Read as the
      // machine's moves, they made a machine trained at one speed run at a running point all at
      // once, and learn for an hour without judging (analytics/README.md "A recording at another
      // speed").
      const held =
        !fresh || s[this.#gHeld + i] === 1 || newRecording || (!this.#temperature[i] && s[this.#rebaseLeft + i] > 0);
      s[this.#gHeld + i] = fresh ? 0 : 1;
      const smoothed = first || held ? x[i] : s[last + i] + STEP_SMOOTH * (x[i] - s[last + i]);
      step[i] = held ? 0 : smoothed - s[last + i];
      s[last + i] = smoothed;
    }
    for (let i = 0; i < d; i++) {
      const di = dev[i];
      const si = step[i];
      s[v + i] += rate * ((1 - rate) * di * di - s[v + i]);
      const row = c + tri(i);
      for (let j = 0; j <= i; j++) s[row + j] += rate * ((1 - rate) * di * dev[j] - s[row + j]);
      if (first) continue;
      const srow = st + tri(i);
      for (let j = 0; j <= i; j++) s[srow + j] += stepRate * (si * step[j] - s[srow + j]);
    }
  }

  /** Takes the running point's scale and direction from the global statistics; the normal is learnt afresh. */
  #startLearning(): void {
    const s = this.#s;
    const d = this.d;
    // The frame the normal is learnt in (fixed until the running range moves): the metrics'
    // means and spreads, the running point's direction, weights and scale.
    for (let i = 0; i < d; i++) {
      s[this.#meanRef + i] = s[this.#gMean + i];
      s[this.#spreadRef + i] = Math.sqrt(s[this.#gVar + i]) || 1;
      s[this.#dir + i] = 1 / Math.sqrt(d);
    }
    this.#direction(30);
    s.copyWithin(this.#dirRef, this.#dir, this.#dir + d);
    this.#setWeights();
    s.fill(0, this.#xtx, this.#xtx + tri(K) + 2 * K * d);
    s.fill(0, this.#cov, this.#cov + tri(d));
    s.fill(0, this.#smoothed, this.#smoothed + d);
    s.fill(0, this.#quick, this.#quick + d);
    s.fill(0, this.#excused, this.#excused + d);
    this.#anyExcused = false;
    // A new normal: its intercepts are the temperatures' levels now.
    s.fill(0, this.#offset, this.#offset + 4 * d);
    s[this.#recordingUnsure] = -1;
    s[this.#refineLeft] = 0;
    this.#anyRebasing = false;
    s.fill(0, this.#history, this.#history + 4);
    s[this.#pointSmoothed] = 0;
    this.#pMin = Number.POSITIVE_INFINITY;
    this.#pMax = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < 4; k++) {
      s[this.#historyRange + 2 * k] = Number.POSITIVE_INFINITY;
      s[this.#historyRange + 2 * k + 1] = Number.NEGATIVE_INFINITY;
    }
    this.#level = 1;
    this.#levelN = 0;
    this.#levelReadings = 0;
    this.#ratio = 0;
    this.#phase = LEARNING;
    this.#phaseN = 0;
    this.#phaseReadings = 0;
    this.#covN = 0;
    this.#endAlarm();
  }

  /** The running point's direction: the leading eigenvector of the correlation of the readings' steps (power iteration, warm-started). */
  #direction(iterations: number): void {
    const s = this.#s;
    const d = this.d;
    const st = this.#gStep;
    const w = this.#dir;
    const tmp = SCRATCH_B;
    for (let it = 0; it < iterations; it++) {
      let norm = 0;
      for (let i = 0; i < d; i++) {
        let acc = 0;
        for (let j = 0; j < d; j++) {
          const sij = s[st + sym(i, j)];
          acc += (sij / Math.sqrt(s[st + tri(i) + i] * s[st + tri(j) + j] + 1e-300)) * s[w + j];
        }
        tmp[i] = acc;
        norm += acc * acc;
      }
      norm = Math.sqrt(norm);
      if (!(norm > 0)) return;
      for (let i = 0; i < d; i++) s[w + i] = tmp[i] / norm;
    }
  }

  /** How many metrics' worth the readings' steps share along the direction: its Rayleigh quotient on the steps' correlation (1: none shared, d: all step as one). */
  #commonSteps(): number {
    const s = this.#s;
    const d = this.d;
    const st = this.#gStep;
    const w = this.#dir;
    let q = 0;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++)
        q += (s[w + i] * s[w + j] * s[st + sym(i, j)]) / Math.sqrt(s[st + tri(i) + i] * s[st + tri(j) + j] + 1e-300);
    return q;
  }

  /**
   * The weights that read the running point off the metrics: those that step with the load (at
   * least half the largest loading), each weighed by the inverse of its step's spread (its
   * noise), the least-noisy reading of it. A slow metric's steps are tiny, so even a small
   * loading would weigh a lagging temperature in: it is left out. Its scale: the readings' spread
   * along it.
   */
  #setWeights(): void {
    const s = this.#s;
    const d = this.d;
    const st = this.#gStep;
    const c = this.#gCov;
    const w = this.#dir;
    const a = this.#weights;
    let largest = 0;
    for (let i = 0; i < d; i++) largest = Math.max(largest, Math.abs(s[w + i]));
    for (let i = 0; i < d; i++)
      s[a + i] = Math.abs(s[w + i]) >= LOADING_SHARE * largest ? s[w + i] / (Math.sqrt(s[st + tri(i) + i]) || 1) : 0;
    let variance = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) variance += s[a + i] * s[a + j] * s[c + sym(i, j)];
    this.#pScale = Math.sqrt(variance) || 1;
    this.#steady = this.#commonSteps() < COMMON_STEPS_MIN;
    if (this.#steady) {
      s.fill(0, a, a + d);
      this.#pScale = 1;
    }
  }

  /**
   * A running point, or a history of the load, beyond any learnt (a load never run, or never for
   * this long): the normal there is an extrapolation of the regression, worst for the slow
   * metrics that follow the load's history.
   */
  #novel(p: number): boolean {
    if (p < this.#pMin || p > this.#pMax) return true;
    const s = this.#s;
    const h = this.#history;
    const r = this.#historyRange;
    for (let k = 0; k < 4; k++) {
      const lo = s[r + 2 * k];
      const hi = s[r + 2 * k + 1];
      const margin = HISTORY_MARGIN * (hi - lo);
      if (s[h + k] < lo - margin || s[h + k] > hi + margin) return true;
    }
    return false;
  }

  /** The regression's normal equations, exponentially weighted; the learnt range of running points and load histories. */
  #learnNormal(p: number): void {
    const s = this.#s;
    const d = this.d;
    const w = this.#w;
    this.#phaseN += w;
    this.#phaseReadings++;
    if (p < this.#pMin) this.#pMin = p;
    if (p > this.#pMax) this.#pMax = p;
    const h = this.#history;
    const range = this.#historyRange;
    for (let k = 0; k < 4; k++) {
      if (s[h + k] < s[range + 2 * k]) s[range + 2 * k] = s[h + k];
      if (s[h + k] > s[range + 2 * k + 1]) s[range + 2 * k + 1] = s[h + k];
    }
    const rate = Math.max(w / this.#phaseN, s[this.#rates + R_NORMAL_MIN]);
    const phi = REGRESSORS;
    const xtx = this.#xtx;
    const xtz = this.#xtz;
    const z = this.#z;
    for (let k = 0; k < K; k++) {
      const fk = phi[k];
      const row = xtx + tri(k);
      const zr = xtz + k * d;
      if (fk === 0) {
        // A hat the running point is not on: its sums only fade (bit for bit the update below, 0 − s).
        for (let j = 0; j <= k; j++) s[row + j] -= rate * s[row + j];
        for (let i = 0; i < d; i++) s[zr + i] -= rate * s[zr + i];
        continue;
      }
      for (let j = 0; j <= k; j++) s[row + j] += rate * (fk * phi[j] - s[row + j]);
      for (let i = 0; i < d; i++) s[zr + i] += rate * (fk * s[z + i] - s[zr + i]);
    }
  }

  /**
   * The smoothed residual's covariance, learnt afresh halfway through the learning once the
   * regression has settled (its first residuals are the regression's own error); the end of the
   * learning.
   */
  #learnCovariance(): void {
    const s = this.#s;
    const d = this.d;
    // Halfway through (in time; the first reading past it): the regression's first residuals are forgotten.
    const w = this.#w;
    if (this.#phase === LEARNING && this.#phaseN >= LEARN_SAMPLES / 2 && this.#phaseN - w < LEARN_SAMPLES / 2)
      this.#covN = 0;
    this.#covN += w;
    const covRate = Math.max(w / this.#covN, s[this.#rates + R_COVARIANCE_MIN]);
    const cov = this.#cov;
    const r = this.#smoothed;
    const e = this.#e;
    const last = this.#eLast;
    for (let i = 0; i < d; i++) {
      const ri = s[r + i];
      const row = cov + tri(i);
      for (let j = 0; j <= i; j++) s[row + j] += covRate * (ri * s[r + j] - s[row + j]);
      // How fast each residual moves: a slow one (a lagging temperature) keeps its sign for long.
      const ei = s[e + i];
      const step = ei - s[last + i];
      s[last + i] = ei;
      s[this.#eVar + i] += covRate * (ei * ei - s[this.#eVar + i]);
      s[this.#eStepVar + i] += covRate * (step * step - s[this.#eStepVar + i]);
    }
    if (this.#phase === LEARNING && this.#phaseReadings % REFRESH === 0) this.#solveRegression();
    if (this.#phase === LEARNING && this.#phaseN >= LEARN_SAMPLES && this.#phaseReadings >= LEARN_READINGS) {
      this.#solveRegression();
      this.#factorCovariance();
      this.#phase = JUDGING;
    }
  }

  /**
   * T² of the smoothed residual, the metrics' shares of it, and the state alarm. A temperature's
   * smoothed residual counts at most TEMPERATURE_HELD_WITHIN of its spreads (see there).
   */
  #judge(tsMs: number): void {
    const s = this.#s;
    const d = this.d;
    const L = this.#chol;
    const r = JUDGED_RESIDUAL;
    for (let i = 0; i < d; i++) {
      const ri = s[this.#smoothed + i];
      if (!this.#temperature[i]) r[i] = ri;
      else {
        const limit = TEMPERATURE_HELD_WITHIN * Math.sqrt(s[this.#cov + tri(i) + i]);
        r[i] = Math.min(limit, Math.max(-limit, ri));
      }
    }
    // Forward: L y = r̄; T² = |y|².
    let t2 = this.#whitened(r);
    const y = SCRATCH_A;
    // And a temperature adds at most as much to T² beyond what the metrics before it explain: its
    // own residual is bounded above, but two temperatures that move together on normal running
    // (the motor's and the fluid's) whitened one held off the other's by many spreads. At one
    // steady load, recordings with their temperatures half a degree apart alarmed throughout
    // (bench:multivariate seeds 1–10 `--load-min 0.8 --load-max 0.8 --temperature-jump 0.5`:
    // 24.1 % false alarms, 2.1 % with this bound; analytics/README.md "A temperature's innovation").
    const cap = TEMPERATURE_HELD_WITHIN * TEMPERATURE_HELD_WITHIN;
    for (let i = 0; i < d; i++) if (this.#temperature[i] && y[i] * y[i] > cap) t2 -= y[i] * y[i] - cap;
    const fast = this.#fast;
    // Back: Lᵀ w = y gives Σ⁻¹ r̄; metric i's share is r̄_i w_i / T².
    const w = SCRATCH_B;
    for (let i = d - 1; i >= 0; i--) {
      let acc = y[i];
      for (let j = i + 1; j < d; j++) acc -= s[L + tri(j) + i] * w[j];
      w[i] = acc / s[L + tri(i) + i];
    }
    this.#t2 = t2;
    const share = this.#share;
    const inv = t2 > 0 ? 1 / t2 : 0;
    const shareRate = s[this.#rates + R_SHARE];
    for (let i = 0; i < d; i++) s[share + i] += shareRate * (s[fast + i] * r[i] * w[i] * inv - s[share + i]);
    const u = t2 / this.#fastCount;
    const ratio = u / this.#level;
    this.#ratio = ratio;
    // How much of the slow residual the fast one still shows: its projection on the slow one's
    // Mahalanobis direction, (q̄ᵀ Σ⁻¹ r̄) / T². About 1 while the fault goes on (both see the same
    // shift), about 0 once it is over (the fast one is back at the normal, the slow one remembers).
    const quick = this.params.clearLambda > 0;
    let along = 0;
    if (quick && t2 > 0) {
      const q = this.#quick;
      const onset = this.#onset;
      const onsetOnly = this.#alarm;
      let base = 0;
      for (let i = 0; i < d; i++) {
        if (onsetOnly && s[onset + i] === 0) continue;
        along += s[fast + i] * s[q + i] * w[i];
        base += s[fast + i] * r[i] * w[i];
      }
      along = base > 0 ? along / base : 0;
    }
    if (this.#anyExcused) this.#settle();
    if (!this.#levelLearnt()) {
      // The usual level is learnt first, on normal running, before it judges. After its first
      // LEVEL_CLIP_AFTER_S a reading counts at most as the on level: a fault in those half hours
      // (a recording streamed without a fault-free run first) no longer makes the level many
      // times the normal's, which left the model blind for hours while it decayed.
      this.#learnLevel(this.#levelN < LEVEL_CLIP_AFTER_S ? u : Math.min(u, this.params.onRatio * this.#level));
      return;
    }
    if (!this.#alarm) {
      if (ratio >= this.params.onRatio) {
        this.#alarm = true;
        for (let i = 0; i < d; i++) s[this.#onset + i] = s[fast + i] * r[i] * w[i] * inv >= ONSET_SHARE ? 1 : 0;
        this.#alarmSinceMs = tsMs;
        this.#alarmSamples = 1;
        s[this.#alarmSeconds] = 0;
        this.#clearRun = 0;
      } else if (ratio < this.params.offRatio) this.#learnLevel(u);
    } else {
      this.#alarmSamples++;
      s[this.#alarmSeconds] += this.#w;
      const over = ratio < this.params.offRatio;
      const gone = quick && along < this.params.clearAlong;
      this.#clearRun = over || gone ? this.#clearRun + this.#w : 0;
      // Gone by the fast residual for a few readings too: read every 10 s, one reading is all of it.
      this.#goneReadings = gone ? this.#goneReadings + 1 : 0;
      if (this.#clearRun >= this.params.clearSamples && (over || this.#goneReadings >= CLEAR_READINGS)) {
        this.#endAlarm();
        // The fault is over by the fast residual: the slow one forgets it (it would hold the
        // statistic over the on level for another minute, and alarm again).
        if (gone) {
          this.#excuseFollowers();
          s.fill(0, this.#smoothed, this.#smoothed + d);
        }
      }
    }
  }

  /** After an alarm ended by the fast residual: the metrics that did not raise it but are still clearly off settle out of T². */
  #excuseFollowers(): void {
    const s = this.#s;
    const d = this.d;
    let any = false;
    for (let i = 0; i < d; i++) {
      const off = Math.abs(s[this.#smoothed + i]) > 2 * SETTLED_WITHIN * Math.sqrt(s[this.#cov + tri(i) + i]);
      if (s[this.#fast + i] === 1 && s[this.#onset + i] === 0 && off) {
        s[this.#excused + i] = 1;
        any = true;
      }
    }
    if (!any) return;
    this.#anyExcused = true;
    s[this.#excusedSince] = 0;
    this.#factorCovariance();
  }

  /** A settling metric is back once its smoothed residual is within its usual spread (or after SETTLE_MAX_S). */
  #settle(): void {
    const s = this.#s;
    const d = this.d;
    // Counted in seconds of readings, as the model's other times: a gap does not settle anything.
    const since = (s[this.#excusedSince] += this.#w);
    if (since < SETTLE_MIN_S) return;
    const expired = since >= SETTLE_MAX_S;
    let changed = false;
    let left = false;
    for (let i = 0; i < d; i++) {
      if (s[this.#excused + i] === 0) continue;
      if (expired || Math.abs(s[this.#smoothed + i]) <= SETTLED_WITHIN * Math.sqrt(s[this.#cov + tri(i) + i])) {
        s[this.#excused + i] = 0;
        changed = true;
      } else left = true;
    }
    this.#anyExcused = left;
    if (changed) this.#factorCovariance();
  }

  #learnLevel(u: number): void {
    const w = this.#w;
    this.#levelN += w;
    this.#levelReadings++;
    this.#level += Math.max(w / this.#levelN, this.#s[this.#rates + R_LEVEL_MIN]) * (u - this.#level);
  }

  #endAlarm(): void {
    this.#alarm = false;
    this.#clearRun = 0;
    this.#goneReadings = 0;
    this.#alarmSamples = 0;
    this.#alarmSinceMs = Number.NaN;
  }

  /** Every REFRESH readings: the regression and the covariance's factor; whether the running range moved (then learn again). */
  #refresh(): void {
    if (this.#phase === JUDGING && !this.#alarm) {
      this.#solveRegression();
      this.#factorCovariance();
    }
    const s = this.#s;
    const d = this.d;
    let moved = false;
    const spreadMoved = this.#phase === JUDGING ? SPREAD_MOVED_JUDGING : SPREAD_MOVED;
    for (let i = 0; i < d && !moved; i++) {
      if (s[this.#weights + i] === 0) continue;
      const ratio = Math.sqrt(s[this.#gVar + i]) / s[this.#spreadRef + i];
      if (ratio > spreadMoved || ratio < 1 / spreadMoved) moved = true;
    }
    if (!moved) {
      this.#direction(2);
      let cos = 0;
      for (let i = 0; i < d; i++) cos += s[this.#dir + i] * s[this.#dirRef + i];
      // A steady machine's direction is noise's and wanders: only a load that starts to move counts.
      const common = this.#commonSteps();
      if (
        this.#steady
          ? common >= COMMON_STEPS_MIN * COMMON_STEPS_MARGIN
          : common < COMMON_STEPS_MIN / COMMON_STEPS_MARGIN
      )
        moved = true;
      else if (!this.#steady && 1 - Math.abs(cos) > DIRECTION_MOVED) moved = true;
      // Back to the reference: the normal is learnt along it (a wobble is not a move). A steady
      // machine's direction goes on converging, to the load's once it moves.
      else if (!this.#steady) s.copyWithin(this.#dir, this.#dirRef, this.#dirRef + d);
    }
    if (moved) this.#startLearning();
  }

  /** β = (XᵀX + ridge)⁻¹ XᵀZ, from the accumulated normal equations (Cholesky, K × K). */
  #solveRegression(): void {
    const s = this.#s;
    const d = this.d;
    // The factor is needed only here: one scratch array serves every model (1.4 KB less each).
    const L = REGRESSION_FACTOR;
    let trace = 0;
    for (let k = 0; k < K; k++) trace += s[this.#xtx + tri(k) + k];
    cholesky(s, this.#xtx, L, K, (REGRESSION_RIDGE * trace) / K);
    const y = SCRATCH_A;
    const xtz = this.#xtz;
    const beta = this.#beta;
    for (let i = 0; i < d; i++) {
      for (let k = 0; k < K; k++) {
        let acc = s[xtz + k * d + i];
        for (let j = 0; j < k; j++) acc -= L[tri(k) + j] * y[j];
        y[k] = acc / L[tri(k) + k];
      }
      for (let k = K - 1; k >= 0; k--) {
        let acc = y[k];
        for (let j = k + 1; j < K; j++) acc -= L[tri(j) + k] * s[beta + j * d + i];
        s[beta + k * d + i] = acc / L[tri(k) + k];
      }
    }
  }

  /**
   * The Cholesky factor of the smoothed residual's covariance over the fast metrics: a slow
   * metric's residual (its steps under SLOW_BELOW of its spread, a temperature lagging the load)
   * stays off the alarm, in and out, so that after a fault the alarm ends once the fast metrics
   * are back at their normal, not when a temperature has finished settling. Its row is the
   * identity's and its residual is read as 0.
   */
  #factorCovariance(): void {
    const s = this.#s;
    const d = this.d;
    const fast = this.#fast;
    let anyFast = false;
    for (let i = 0; i < d; i++) {
      const v = s[this.#eVar + i];
      s[fast + i] = v > 0 && s[this.#eStepVar + i] / v >= SLOW_BELOW && s[this.#excused + i] === 0 ? 1 : 0;
      if (s[fast + i] === 1) anyFast = true;
    }
    if (!anyFast) s.fill(1, fast, fast + d);
    const cov = this.#cov;
    const L = this.#chol;
    let count = 0;
    for (let i = 0; i < d; i++) {
      count += s[fast + i];
      for (let j = 0; j <= i; j++)
        s[L + tri(i) + j] = s[fast + i] === 1 && s[fast + j] === 1 ? s[cov + tri(i) + j] : i === j ? 1 : 0;
    }
    this.#fastCount = count;
    // The ridge is a share of the fast metrics' own variances: the identity rows of the slow ones
    // (and of a metric that never moves) are not variances, and counted in, each slow or constant
    // metric made the ridge larger and the model less sensitive (a constant eighth sensor on the
    // rig: 13.4 % false alarms where the seven alone gave 8.4 %).
    let trace = 0;
    for (let i = 0; i < d; i++) if (s[fast + i] === 1) trace += s[cov + tri(i) + i];
    cholesky(s, L, L, d, (COVARIANCE_RIDGE * trace) / count);
  }

  /**
   * The same model over the metrics at `kept` (indices into this one's, in order): what it has
   * learnt about them stays. Why: a sensor that goes quiet, or comes to be read too seldom, leaves
   * the model (device-state.ts); a model learnt afresh over the rest judges nothing for an hour,
   * and learns the faults of that hour into its normal (bench:multivariate seeds 1–6 --lose
   * motorTemperature: F1 0.583, 0.861 narrowed). A joint Gaussian's marginal is its sub-matrix:
   * the regression's normal equations, the residual covariance and every per-metric figure are
   * kept for the kept metrics. Only when the running point was not read off a lost metric (a
   * temperature, a metric that does not step with the load, any metric of a steady machine):
   * otherwise a model learnt afresh. device-state.ts narrows only a model that judges.
   */
  without(kept: readonly number[], params: JointModelParams = this.params): JointModel {
    const d = this.d;
    const from = this.#s;
    const next = new JointModel(
      kept.map((i) => this.metrics[i]),
      params,
      kept.map((i) => this.#temperature[i]),
    );
    // A metric the running point was read off is gone: read off fewer, it would be noisier than
    // the one the normal was learnt on, and the residuals' learnt spread too narrow (seeds 1–6
    // losing the flow, its scale kept by the ratio of the spreads: 28.7 % false alarms, 57
    // dispatch requests outside a fault, where a model learnt afresh gives 8.9 % and 17).
    for (let i = 0; i < d; i++) if (from[this.#weights + i] !== 0 && !kept.includes(i)) return next;
    const n = kept.length;
    const to = next.#s;
    const vector = (a: number, b: number) => {
      for (let j = 0; j < n; j++) to[b + j] = from[a + kept[j]];
    };
    const packed = (a: number, b: number) => {
      for (let j = 0; j < n; j++) for (let k = 0; k <= j; k++) to[b + tri(j) + k] = from[a + sym(kept[j], kept[k])];
    };
    const perRegressor = (a: number, b: number) => {
      for (let k = 0; k < K; k++) for (let j = 0; j < n; j++) to[b + k * n + j] = from[a + k * d + kept[j]];
    };
    for (const [a, b] of [
      [this.#gMean, next.#gMean],
      [this.#gVar, next.#gVar],
      [this.#gLast, next.#gLast],
      [this.#gHeld, next.#gHeld],
      [this.#dir, next.#dir],
      [this.#dirRef, next.#dirRef],
      [this.#spreadRef, next.#spreadRef],
      [this.#meanRef, next.#meanRef],
      [this.#z, next.#z],
      [this.#e, next.#e],
      [this.#smoothed, next.#smoothed],
      [this.#share, next.#share],
      [this.#eVar, next.#eVar],
      [this.#eStepVar, next.#eStepVar],
      [this.#eLast, next.#eLast],
      [this.#quick, next.#quick],
      [this.#onset, next.#onset],
      [this.#excused, next.#excused],
      [this.#lastX, next.#lastX],
      [this.#normalAtChange, next.#normalAtChange],
      [this.#offset, next.#offset],
      [this.#rebaseLeft, next.#rebaseLeft],
      [this.#rebaseSum, next.#rebaseSum],
      [this.#rebaseWeight, next.#rebaseWeight],
      [this.#resolution, next.#resolution],
    ])
      vector(a, b);
    for (const [a, b] of [
      [this.#gCov, next.#gCov],
      [this.#gStep, next.#gStep],
      [this.#cov, next.#cov],
    ])
      packed(a, b);
    perRegressor(this.#xtz, next.#xtz);
    perRegressor(this.#beta, next.#beta);
    to.set(from.subarray(this.#xtx, this.#xtx + tri(K)), next.#xtx);
    to[next.#typicalStep] = from[this.#typicalStep];
    to[next.#alarmSeconds] = from[this.#alarmSeconds];
    to[next.#excusedSince] = from[this.#excusedSince];
    to[next.#recordingUnsure] = from[this.#recordingUnsure];
    to[next.#refineLeft] = from[this.#refineLeft];
    to[next.#refineWithin] = from[this.#refineWithin];
    to[next.#pointSmoothed] = from[this.#pointSmoothed];
    to.set(from.subarray(this.#history, this.#history + 4), next.#history);
    to.set(from.subarray(this.#historyRange, this.#historyRange + 8), next.#historyRange);
    next.#restoreScalars(this.#scalars());
    // The direction over the kept metrics, of unit length; the reference the same, so that the
    // restriction is no move (a move would learn the normal again).
    for (const at of [next.#dir, next.#dirRef]) {
      let norm = 0;
      for (let j = 0; j < n; j++) norm += to[at + j] ** 2;
      norm = Math.sqrt(norm);
      for (let j = 0; j < n; j++) to[at + j] = norm > 0 ? to[at + j] / norm : 1 / Math.sqrt(n);
    }
    // The running point read off the kept metrics with their weights as they were (all of them:
    // none lost carried weight): the same running point, the one the normal was learnt along
    // (weights recomputed from today's readings, with a new scale, moved it off: seeds 1–6 losing
    // the motor temperature, no weight, 58 % false alarms).
    vector(this.#weights, next.#weights);
    if (next.#phase !== SCALING) next.#factorCovariance();
    next.#deriveFlags();
    next.#endAlarm();
    next.#continues = true;
    return next;
  }

  snapshot(): JointModelState {
    return { metrics: [...this.metrics], layout: STATE_LAYOUT, state: [...this.#scalars(), ...this.#s] };
  }

  /** The scalar fields, SCALARS of them, in the snapshot's order. */
  #scalars(): number[] {
    return [
      this.#n,
      this.#phase,
      this.#phaseN,
      this.#covN,
      this.#pScale,
      this.#pMin,
      this.#pMax,
      this.#level,
      this.#levelN,
      this.#fastCount,
      this.#ratio,
      this.#t2,
      this.#alarm ? 1 : 0,
      this.#clearRun,
      this.#alarmSamples,
      this.#alarmSinceMs,
      this.#phaseReadings,
      this.#levelReadings,
      this.#lastTsMs,
      this.#w,
      this.#steady ? 1 : 0,
    ];
  }

  /** Restores a snapshot of a model of the same metrics (false, and nothing changed, otherwise). */
  restore(saved: JointModelState): boolean {
    if (
      !Array.isArray(saved?.metrics) ||
      !Array.isArray(saved.state) ||
      saved.metrics.length !== this.d ||
      saved.metrics.some((m, i) => m !== this.metrics[i]) ||
      saved.layout !== STATE_LAYOUT ||
      saved.state.length !== SCALARS + this.#s.length ||
      saved.state.some((v) => typeof v !== 'number' && v !== null)
    )
      return false;
    const st = saved.state;
    this.#restoreScalars(st);
    this.#s.fill(0);
    this.#s.set(st.slice(SCALARS));
    // The rates are worked out again from the next reading's weight (#weigh).
    this.#s.fill(0, this.#rates, this.#rates + RATES);
    this.#deriveFlags();
    return true;
  }

  /** The flags that follow from the array (after it was set from a snapshot or another model). */
  #deriveFlags(): void {
    this.#anyExcused = false;
    for (let i = 0; i < this.d; i++) if (this.#s[this.#excused + i] === 1) this.#anyExcused = true;
    this.#anyRebasing = this.#rebasing();
  }

  #restoreScalars(st: readonly number[]): void {
    [this.#n, this.#phase, this.#phaseN, this.#covN, this.#pScale, this.#pMin, this.#pMax, this.#level, this.#levelN] =
      st;
    [this.#fastCount, this.#ratio, this.#t2] = st.slice(9, 12);
    this.#alarm = st[12] === 1;
    [this.#clearRun, this.#alarmSamples, this.#alarmSinceMs] = st.slice(13, 16);
    [this.#phaseReadings, this.#levelReadings, this.#lastTsMs, this.#w] = st.slice(16, 20);
    this.#steady = st[20] === 1;
    // JSON has no NaN: a model that never had a reading comes back as null.
    if (typeof this.#lastTsMs !== 'number') this.#lastTsMs = Number.NaN;
  }
}

/**
 * Symmetric and triangular matrices are kept packed, row by row, lower triangle only: element
 * (i, j), j ≤ i, is at tri(i) + j (half the memory of a full square).
 */
function tri(i: number): number {
  return (i * (i + 1)) >> 1;
}

function sym(i: number, j: number): number {
  return i >= j ? tri(i) + j : tri(j) + i;
}

/** The per-second rates a reading's weight compounds, in JointModel's #rates. */
const R_LAMBDA = 0,
  R_HISTORY_FAST = 1,
  R_HISTORY_SLOW = 2,
  R_SHARE = 3,
  R_NORMAL_MIN = 4,
  R_COVARIANCE_MIN = 5,
  R_GLOBAL_MIN = 6,
  R_LEVEL_MIN = 7,
  R_CLEAR_LAMBDA = 8,
  R_POINT_SMOOTH = 9,
  RATES = 10;

/** Scratch for the smoothed residual as judged (models are judged one at a time; d ≤ JOINT_MAX_METRICS). */
const JUDGED_RESIDUAL = new Float64Array(16);

/** Scratch for the regression's Cholesky factor (models are solved one at a time). */
const REGRESSION_FACTOR = new Float64Array(tri(K));
/**
 * Per-reading scratch, shared by every model like the two above: the reading's regressors, and
 * two vectors of up to max(JOINT_MAX_METRICS, K) (the steps and deviations of the global
 * statistics, the forward and back substitutions). Nothing in them outlives the call that fills
 * them, so they need not be in each model's state (336 bytes of an 8-metric model).
 */
const REGRESSORS = new Float64Array(K);
const SCRATCH_A = new Float64Array(Math.max(16, K));
const SCRATCH_B = new Float64Array(Math.max(16, K));
/** Per metric, 1 if it jumps beyond its thermal inertia at this reading (#jumpsBeyondInertia, asked once per reading in #learnGlobal). */
const JUMPED = new Uint8Array(16);

/**
 * Lower Cholesky factor of the packed n × n symmetric matrix at offset `a` of `s` plus `diagonalRidge`
 * on its diagonal, packed into `out` (an array, or an offset into `s`; in place works).
 */
function cholesky(s: Float64Array, a: number, out: Float64Array | number, n: number, diagonalRidge: number): void {
  const t = typeof out === 'number' ? s : out;
  const l = typeof out === 'number' ? out : 0;
  const ridge = diagonalRidge + 1e-12;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let acc = s[a + tri(i) + j] + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) acc -= t[l + tri(i) + k] * t[l + tri(j) + k];
      if (i === j) t[l + tri(i) + i] = Math.sqrt(Math.max(acc, ridge));
      else t[l + tri(i) + j] = acc / t[l + tri(j) + j];
    }
  }
}
