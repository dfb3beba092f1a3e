// What Purna knows about each kind of metric, in one table: where its sensor's physical range and
// its failure threshold are in the device model, the smallest spread a healthy machine's normal
// is assumed to have, the failure mode a rise means, which way it fails, and its part in the
// machine's running state. The table is plain data keyed by metric name (the product catalogue is
// to hold it later); `metricFacts` reads it once per device × metric, when the metric is first
// seen, into the numbers the per-sample code compares against.

import { ISO10816_ZONES_MM_S, type DeviceModelSpec, type MachineClass } from '../core/device-models.ts';
import type { MetricSpec, ProductModelVersion } from '../core/product-catalogue.ts';
import type { FailureMode } from '../core/types.ts';

export interface MetricKind {
  /** Key of the sensor's physical range in the model's `physicalRange` (null: none known). */
  physicalRange: keyof DeviceModelSpec['physicalRange'] | null;
  /**
   * The smallest long-term spread Purna assumes for a healthy machine, in the metric's unit, plus
   * a share of the ISO 10816 zone B/C boundary of the machine's class: load and ambient move a
   * healthy machine's temperature by a few °C and its vibration by a few percent of its zone,
   * even before the baseline has seen a whole day of them.
   */
  spreadFloor: number;
  spreadFloorShareOfZoneBC: number;
  /**
   * The domain threshold the metric is judged and forecast against: the ISO 10816 zones of the
   * machine's class (zone D is the failure), or the model's rated maximum temperature. Null: no
   * domain threshold, and the unit-free anomaly score judges the metric.
   */
  threshold: 'iso10816-zones' | 'rated-max-temperature' | 'rated-limits' | null;
  /** What a machine anomaly of this metric means. */
  failureMode: FailureMode;
  /**
   * 'rise': the metric fails upwards, only a rise is a machine anomaly (a drop: the load falls,
   * the machine cools); 'fall': it fails downwards (a pressure below its rated lower limit);
   * 'both': either way is news.
   */
  direction: 'rise' | 'fall' | 'both';
  /**
   * 'tells': its readings say whether the machine runs (stopped under a share of its running
   * normal); 'settles': it follows the running state with a lag (left out while the machine is
   * stopped and while it settles after a start, and it says whether a stop is real); null: neither.
   */
  runningState: 'tells' | 'settles' | null;
  /** For a metric that tells the running state: its healthy running value in the model's `healthy`, trusted until its own is learnt. */
  runningNominal: keyof DeviceModelSpec['healthy'] | null;
}

/** The metrics with domain knowledge. Temperature and vibration have domain thresholds (rated maximum, ISO 10816 zones) and fail upwards. */
export const METRIC_KINDS: Readonly<Record<string, MetricKind>> = {
  temperature: {
    physicalRange: 'temperatureC',
    spreadFloor: 3,
    spreadFloorShareOfZoneBC: 0,
    threshold: 'rated-max-temperature',
    failureMode: 'cooling_failure',
    direction: 'rise',
    runningState: 'settles',
    runningNominal: null,
  },
  vibration: {
    physicalRange: 'vibrationMmS',
    spreadFloor: 0,
    spreadFloorShareOfZoneBC: 0.08,
    threshold: 'iso10816-zones',
    failureMode: 'bearing_wear',
    direction: 'rise',
    runningState: 'tells',
    runningNominal: 'vibrationMmS',
  },
};

/** Any other metric: nothing known of it, the unit-free score judges it, both ways. */
export const UNIT_FREE_METRIC: MetricKind = {
  physicalRange: null,
  spreadFloor: 0,
  spreadFloorShareOfZoneBC: 0,
  threshold: null,
  failureMode: 'unknown_anomaly',
  direction: 'both',
  runningState: null,
  runningNominal: null,
};

/** A metric kind as it applies to one device model: the numbers the per-sample code uses. */
export interface MetricFacts {
  readonly kind: MetricKind;
  /** The sensor's physical range (−∞ … +∞ when none is known): a reading outside is a sensor fault. */
  readonly physicalMin: number;
  readonly physicalMax: number;
  /** The smallest long-term spread of a healthy machine, in the metric's unit. */
  readonly sigmaFloor: number;
  /** No domain threshold: judged by the unit-free score (and kept without a trend window). */
  readonly unitFree: boolean;
  /** The failure threshold the trend is forecast against (NaN: none). */
  readonly threshold: number;
  /** A lower failure threshold (a catalogue metric's rated lower limit; NaN: none): a falling trend is forecast against it. */
  readonly lowerThreshold: number;
  /** The ISO 10816 zone boundaries of the machine's class, for a metric judged by them (else null). */
  readonly zones: { readonly ab: number; readonly bc: number; readonly cd: number } | null;
  readonly machineClass: MachineClass;
  /** Zone B's explanation, written once (healthy machines report it all day; empty without zones). */
  readonly zoneBText: string;
  readonly failureMode: FailureMode;
  /** Only a rise is a machine anomaly. */
  readonly risesOnly: boolean;
  /** Only a fall is a machine anomaly (a catalogue metric with a lower limit only). */
  readonly fallsOnly: boolean;
  readonly runningState: MetricKind['runningState'];
  /** The healthy running value before the detector has learnt its own (0 when none). */
  readonly runningNominal: number;
  /** The catalogue's absolute "stopped below" for the model's running metric (NaN: a share of the running normal decides). */
  readonly stoppedBelow: number;
  /** The unit of a catalogue metric (empty for the built-in kinds): a change of unit restarts its baseline. */
  readonly unit: string;
}

/** The kind of a metric by its name (`Object.hasOwn`: a metric called `constructor` is unit-free, not Object's). */
export function metricKind(metric: string): MetricKind {
  return Object.hasOwn(METRIC_KINDS, metric) ? METRIC_KINDS[metric] : UNIT_FREE_METRIC;
}

/** Facts per model and kind, made once: every device of a model shares them. */
const factsByModel = new WeakMap<DeviceModelSpec, Map<MetricKind, MetricFacts>>();

/** What analytics compares a metric against on a device of this model. */
export function metricFacts(metric: string, model: DeviceModelSpec): MetricFacts {
  const kind = metricKind(metric);
  let byKind = factsByModel.get(model);
  if (!byKind) factsByModel.set(model, (byKind = new Map()));
  let facts = byKind.get(kind);
  if (!facts) byKind.set(kind, (facts = resolve(kind, model)));
  return facts;
}

function resolve(kind: MetricKind, model: DeviceModelSpec): MetricFacts {
  const zone = ISO10816_ZONES_MM_S[model.machineClass];
  const range = kind.physicalRange === null ? null : model.physicalRange[kind.physicalRange];
  const threshold =
    kind.threshold === 'iso10816-zones'
      ? zone.cd
      : kind.threshold === 'rated-max-temperature'
        ? model.ratedMaxTemperatureC
        : Number.NaN;
  return {
    kind,
    physicalMin: range ? range[0] : Number.NEGATIVE_INFINITY,
    physicalMax: range ? range[1] : Number.POSITIVE_INFINITY,
    sigmaFloor: kind.spreadFloor + kind.spreadFloorShareOfZoneBC * zone.bc,
    unitFree: kind.threshold === null,
    threshold,
    zones: kind.threshold === 'iso10816-zones' ? zone : null,
    machineClass: model.machineClass,
    zoneBText:
      kind.threshold !== 'iso10816-zones'
        ? ''
        : `vibration is in ISO 10816 zone B (${zone.ab}–${zone.bc} mm/s, class ${model.machineClass}): acceptable for long-term operation`,
    failureMode: kind.failureMode,
    lowerThreshold: Number.NaN,
    risesOnly: kind.direction === 'rise',
    fallsOnly: false,
    runningState: kind.runningState,
    runningNominal: kind.runningNominal === null ? 0 : model.healthy[kind.runningNominal],
    stoppedBelow: Number.NaN,
    unit: '',
  };
}

/** A catalogue metric with rated limits: forecast against them, in the direction(s) they lie. */
const RATED_LIMITS_KINDS = {
  rise: { ...UNIT_FREE_METRIC, threshold: 'rated-limits', direction: 'rise' },
  fall: { ...UNIT_FREE_METRIC, threshold: 'rated-limits', direction: 'fall' },
  both: { ...UNIT_FREE_METRIC, threshold: 'rated-limits', direction: 'both' },
} as const satisfies Record<string, MetricKind>;

/** A healthy machine's smallest long-term spread, as a share of the model's normal range (temperature's 3 °C is about a tenth of its). */
const SPREAD_FLOOR_SHARE_OF_NORMAL = 0.1;

/** Facts per catalogue version and metric: every device of a model version shares them. */
const factsByCatalogue = new WeakMap<ProductModelVersion, Map<string, MetricFacts>>();

/**
 * What analytics compares a metric against on a device whose model is in the catalogue. The
 * built-in kinds (temperature, vibration) keep their table row, with the sensor range, the rated
 * maximum temperature and the ISO class from the catalogue; any other declared metric with rated
 * limits gets a baseline, elevation and a trend forecast against its limits, in their direction;
 * one without limits (or not declared) is unit-free. The model's running metric tells the
 * running state against its absolute `stoppedBelow`.
 */
export function catalogueMetricFacts(metric: string, model: ProductModelVersion, legacy: DeviceModelSpec): MetricFacts {
  let byMetric = factsByCatalogue.get(model);
  if (!byMetric) factsByCatalogue.set(model, (byMetric = new Map()));
  let facts = byMetric.get(metric);
  if (!facts) byMetric.set(metric, (facts = resolveCatalogue(metric, model, legacy)));
  return facts;
}

function resolveCatalogue(metric: string, model: ProductModelVersion, legacy: DeviceModelSpec): MetricFacts {
  const spec: MetricSpec | undefined = model.metrics.find((s) => s.name === metric);
  const base = metricFacts(metric, spec?.machineClass ? { ...legacy, machineClass: spec.machineClass } : legacy);
  const running = model.running?.metric === metric ? model.running : undefined;
  if (!spec) return base;
  const physicalMin = spec.physicalRange[0];
  const physicalMax = spec.physicalRange[1];
  const { upper, lower } = spec.ratedLimits;
  // The catalogue names the one metric that tells the running state (vibration then only if it is
  // the one). Vibration keeps its own rule, a share of its learnt running normal; another metric
  // (current, rpm) is stopped under the model's `stoppedBelow`.
  const runningFacts =
    running && base.runningState !== 'tells'
      ? { runningState: 'tells' as const, stoppedBelow: running.stoppedBelow }
      : model.running && !running && base.runningState === 'tells'
        ? { runningState: null }
        : {};
  // A built-in kind the model gives no limit (no rated maximum, no ISO class): unit-free like any
  // other metric without limits, still left out while the machine settles after a start.
  const limited = upper !== undefined || lower !== undefined || spec.machineClass !== undefined;
  if (base.kind !== UNIT_FREE_METRIC && !limited) {
    const unitFree = metricFacts('', legacy);
    return { ...unitFree, physicalMin, physicalMax, runningState: base.runningState, unit: spec.unit, ...runningFacts };
  }
  if (base.kind !== UNIT_FREE_METRIC) {
    const threshold = base.kind.threshold === 'rated-max-temperature' && upper !== undefined ? upper : base.threshold;
    return { ...base, physicalMin, physicalMax, threshold, unit: spec.unit, ...runningFacts };
  }
  if (upper === undefined && lower === undefined)
    return { ...base, physicalMin, physicalMax, unit: spec.unit, ...runningFacts };
  const direction = upper !== undefined && lower !== undefined ? 'both' : upper !== undefined ? 'rise' : 'fall';
  return {
    ...base,
    kind: RATED_LIMITS_KINDS[direction],
    physicalMin,
    physicalMax,
    sigmaFloor: SPREAD_FLOOR_SHARE_OF_NORMAL * (spec.normalRange[1] - spec.normalRange[0]),
    unitFree: false,
    threshold: upper ?? Number.NaN,
    lowerThreshold: lower ?? Number.NaN,
    risesOnly: direction === 'rise',
    fallsOnly: direction === 'fall',
    unit: spec.unit,
    ...runningFacts,
  };
}

/** Units of a temperature, as catalogues write them. */
const TEMPERATURE_UNIT = /^(°\s?[CFK]|deg\s?[CF]|[CFK]|celsius|kelvin|fahrenheit)$/i;
/** Names of a temperature reading where no unit says so (a recording's columns: "Temperature", "Thermocouple", "fluid_temp"). */
const TEMPERATURE_NAME = /temp|thermo/i;

/**
 * Whether a metric reads a temperature: the built-in kind, a catalogue unit of one, or a name that
 * says so. A temperature has thermal inertia: it cannot step by many of its noise's spreads from one
 * reading to the next, so such a step is a new recording or a sensor's, not the machine's (the
 * joint model re-bases it; joint-model.ts).
 */
export function readsTemperature(name: string, facts: MetricFacts): boolean {
  return facts.kind === METRIC_KINDS.temperature || TEMPERATURE_UNIT.test(facts.unit) || TEMPERATURE_NAME.test(name);
}
