// The product catalogue's shape: what a product model is, as data. A manufacturer describes its
// own products with it (the service domain stores and versions them, analytics judges readings by
// them, the simulator plays them); the three models Purna started with are its seed data
// (`seedProductModels`, from core/device-models.ts). Validation lives here too so that the API, the
// CSV/JSON import and start-up all name the same problems the same way.

import { isFailureJob, isJobType, JOB_TYPES, type JobType } from './job-types.ts';
import {
  DEVICE_MODELS,
  type DeviceModelSpec,
  ISO10816_ZONES_MM_S,
  type MachineClass,
  type PhysicalRange,
} from './device-models.ts';

/** What a unit measures; metrics of one quantity convert into each other. */
export type Quantity =
  | 'vibration_velocity'
  | 'acceleration'
  | 'temperature'
  | 'pressure'
  | 'flow'
  | 'current'
  | 'voltage'
  | 'speed'
  | 'ratio';

/**
 * The closed list of units: each with its quantity and how to turn a value into the quantity's
 * base unit (base = value × factor + offset). Base units: mm/s, m/s², °C, bar, L/min, A, V, rpm, %.
 */
export const UNITS = {
  'mm/s': { quantity: 'vibration_velocity', factor: 1, offset: 0 },
  'in/s': { quantity: 'vibration_velocity', factor: 25.4, offset: 0 },
  'm/s²': { quantity: 'acceleration', factor: 1, offset: 0 },
  g: { quantity: 'acceleration', factor: 9.80665, offset: 0 },
  '°C': { quantity: 'temperature', factor: 1, offset: 0 },
  '°F': { quantity: 'temperature', factor: 5 / 9, offset: -32 * (5 / 9) },
  K: { quantity: 'temperature', factor: 1, offset: -273.15 },
  bar: { quantity: 'pressure', factor: 1, offset: 0 },
  kPa: { quantity: 'pressure', factor: 0.01, offset: 0 },
  MPa: { quantity: 'pressure', factor: 10, offset: 0 },
  psi: { quantity: 'pressure', factor: 0.0689476, offset: 0 },
  'L/min': { quantity: 'flow', factor: 1, offset: 0 },
  'm³/h': { quantity: 'flow', factor: 1000 / 60, offset: 0 },
  A: { quantity: 'current', factor: 1, offset: 0 },
  V: { quantity: 'voltage', factor: 1, offset: 0 },
  rpm: { quantity: 'speed', factor: 1, offset: 0 },
  '%': { quantity: 'ratio', factor: 1, offset: 0 },
} as const satisfies Record<string, { quantity: Quantity; factor: number; offset: number }>;

export type Unit = keyof typeof UNITS;
export const UNIT_NAMES = Object.keys(UNITS) as Unit[];

export function isUnit(u: string): u is Unit {
  return Object.hasOwn(UNITS, u);
}

/** Converts `value` from one unit to another of the same quantity; throws for different quantities. */
export function convert(value: number, from: Unit, to: Unit): number {
  const a = UNITS[from];
  const b = UNITS[to];
  if (a.quantity !== b.quantity) throw new Error(`cannot convert ${from} (${a.quantity}) to ${to} (${b.quantity})`);
  const base = value * a.factor + a.offset;
  return (base - b.offset) / b.factor;
}

/** One metric a product reports, in the unit the device sends it in. */
export interface MetricSpec {
  /** The key in the device's payload (`values.<name>`). */
  name: string;
  unit: Unit;
  /** Readings outside are sensor faults, not machine faults. */
  physicalRange: [number, number];
  /** Where a healthy machine at work reads (the simulator's healthy level, analytics' prior). */
  normalRange: [number, number];
  /**
   * Where the product is failing, in the direction(s) it fails: above `upper` and/or below
   * `lower`. A metric with neither is judged unit-free (anomaly score) and never dispatches on
   * its own.
   */
  ratedLimits: { upper?: number; lower?: number };
  /** Vibration velocity only: the ISO 10816-1 machine class, whose C/D boundary is then the upper limit. */
  machineClass?: MachineClass;
}

/** How one metric moves when a failure mode is under way. */
export interface SignatureTerm {
  metric: string;
  direction: 'up' | 'down';
}

/** A spare part by its inventory SKU. */
export interface PartSpec {
  sku: string;
  name: string;
  quantity: number;
}

export interface FailureModeSpec {
  /** Stable id (snake_case), e.g. `seal_leak`; work orders carry it. */
  id: string;
  name: string;
  /** The metrics that move, and which way: the mode whose signature fits best is the diagnosis. */
  signature: SignatureTerm[];
  /** Spare parts the repair needs (SKUs of the parts inventory), each in its quantity: a work order reserves them all. */
  parts: PartSpec[];
  /** The technician skill the repair needs (free text tag, e.g. `mechanical-seal`). */
  skill: string;
  /** Typical repair time on site, hours. */
  repairHours: number;
  /**
   * What the technician checks and records repairing this failure (a seal leak: the shaft sleeve
   * inspected, a pressure reading after the repair). Absent: the model's list for the job type,
   * else Purna's default (`checklistFor`).
   */
  checklist?: ChecklistItem[];
}

export interface ProductModel {
  id: string;
  name: string;
  /** Free text class of product: pump, compressor, motor, chiller … */
  kind: string;
  metrics: MetricSpec[];
  failureModes: FailureModeSpec[];
  /**
   * The metric whose level says whether the machine runs (current, rpm or vibration), and the
   * value under which it is stopped. Absent: the machine is taken to run all the time.
   */
  running?: { metric: string; stoppedBelow: number };
  /**
   * Spare parts that replace a faulty sensor. A sensor fault is no failure mode of the machine
   * (it has no metric signature: analytics finds it from impossible or stuck values), so it is
   * not among `failureModes`; a `sensor_fault` work order reserves these.
   */
  sensorParts?: PartSpec[];
  /** Default warranty from installation, months. */
  warrantyMonths: number;
  /** Default service interval: by calendar days and/or running hours (planned service). */
  serviceInterval: { days?: number; runningHours?: number };
  /**
   * What a technician ticks off or records on each kind of job on this model (the commissioning
   * checklist with its acceptance readings, the maintenance steps). A job type not listed gets
   * Purna's default (`checklistFor`).
   */
  checklists?: Partial<Record<JobType, ChecklistItem[]>>;
}

/** One step of a job's checklist: a check to tick, or a reading to record within a range. */
export interface ChecklistItem {
  /** Stable id within the list (snake_case), e.g. `alignment_checked`. */
  id: string;
  label: string;
  /** A reading to record (an acceptance reading): one of the model's metrics, in its unit, and the range it must fall in. */
  reading?: { metric: string; min: number; max: number };
  /** A required item must be done (a reading: recorded within its range) before the job can be resolved. Default true. */
  required?: boolean;
}

/** A stored model: the catalogue keeps every version. */
export interface ProductModelVersion extends ProductModel {
  version: number;
  updatedBy: string;
  updatedAt: string;
}

/**
 * The bus event `catalogueChanged`: a model was created, changed or deleted (then `model` is its
 * last version, with the deletion's version number, author and time). Analytics and ingest apply
 * it to the next readings; nothing restarts.
 */
export interface CatalogueChange {
  change: 'created' | 'updated' | 'deleted';
  model: ProductModelVersion;
}

/** The failure modes every model has without declaring them: they are not the machine's own. */
export const BUILT_IN_MODES = ['sensor_fault', 'unknown_anomaly'] as const;

/** Every failure mode a work order on this model may have: its own and the ones every model has. */
export function modesOf(model: ProductModel): string[] {
  return [...model.failureModes.map((f) => f.id), ...BUILT_IN_MODES];
}

/** The parts a repair of `mode` needs on this model (the sensor parts for a sensor fault); none when it lists none. */
export function partsFor(model: ProductModel, mode: string): readonly PartSpec[] {
  if (mode === 'sensor_fault') return model.sensorParts ?? [];
  return model.failureModes.find((f) => f.id === mode)?.parts ?? [];
}

/**
 * What ingest checks a device's telemetry against: the metrics its model declares, each with what
 * its sensor can physically read, in the unit the device sends it in.
 */
export interface DeviceContract {
  modelId: string;
  version: number;
  metrics: ReadonlyMap<string, PhysicalRange>;
}

const contracts = new WeakMap<ProductModelVersion, DeviceContract>();

/** The contract of one model version (made once per version object: ingest asks per message). */
export function deviceContract(model: ProductModelVersion): DeviceContract {
  let c = contracts.get(model);
  if (!c) {
    c = {
      modelId: model.id,
      version: model.version,
      metrics: new Map(
        model.metrics.map((m) => [m.name, { min: m.physicalRange[0], max: m.physicalRange[1], unit: m.unit }]),
      ),
    };
    contracts.set(model, c);
  }
  return c;
}

/**
 * What a problem is, as a code: the dashboard says it in the viewer's language from
 * `catalogue.problem.<code>` with `params` (the API's `message` is English, for tools).
 */
export const PROBLEM_CODES = [
  'required',
  'idFormat',
  'noMetrics',
  'metricNameFormat',
  'listedTwice',
  'unknownUnit',
  'rangeShape',
  'rangeOrder',
  'normalOutsidePhysical',
  'notANumber',
  'upperNotAboveNormal',
  'lowerNotBelowNormal',
  'upperOutsidePhysical',
  'lowerOutsidePhysical',
  'machineClass',
  'machineClassUnit',
  'modeIdFormat',
  'builtInMode',
  'noSignature',
  'noSuchMetric',
  'direction',
  'quantity',
  'positiveHours',
  'warrantyMonths',
  'positiveDays',
  'partNotStocked',
  'unknownJobType',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface CatalogueProblem {
  /** JSON path of the field, e.g. `metrics[2].ratedLimits.lower`. */
  field: string;
  code: ProblemCode;
  /** In English, for the API and logs. */
  message: string;
  /** The values the message names (a min and max, a unit, a metric). */
  params?: Record<string, string | number>;
}

const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** A failure mode id (snake_case), for the validator and the schemas that take one. */
export const MODE_ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const METRIC = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Checks a model. Errors make it unusable (min above max, unknown unit, a failure mode naming a
 * metric the model lacks); warnings do not stop it (a part SKU the inventory does not know yet).
 * `knownSkus`, when given, is the parts inventory.
 */
export function validateProductModel(
  m: ProductModel,
  knownSkus?: ReadonlySet<string>,
): { errors: CatalogueProblem[]; warnings: CatalogueProblem[] } {
  const errors: CatalogueProblem[] = [];
  const warnings: CatalogueProblem[] = [];
  const err = (field: string, code: ProblemCode, message: string, params?: CatalogueProblem['params']) =>
    errors.push(params ? { field, code, message, params } : { field, code, message });
  const checkParts = (at: string, parts: readonly PartSpec[]) =>
    parts.forEach((p, j) => {
      if (!p.sku?.trim()) err(`${at}[${j}].sku`, 'required', 'is required');
      else if (knownSkus && !knownSkus.has(p.sku)) {
        warnings.push({
          field: `${at}[${j}].sku`,
          code: 'partNotStocked',
          message: `part '${p.sku}' is not in the inventory yet`,
          params: { sku: p.sku },
        });
      }
      if (!p.name?.trim()) err(`${at}[${j}].name`, 'required', 'is required');
      if (!Number.isInteger(p.quantity) || p.quantity < 1)
        err(`${at}[${j}].quantity`, 'quantity', 'must be a whole number of at least 1');
    });
  if (!ID.test(m.id ?? '')) err('id', 'idFormat', 'must be 1-64 lower-case letters, digits, ".", "_" or "-"');
  if (!m.name?.trim()) err('name', 'required', 'is required');
  if (!m.kind?.trim()) err('kind', 'required', 'is required');
  if (!Array.isArray(m.metrics) || m.metrics.length === 0) err('metrics', 'noMetrics', 'must list at least one metric');
  const metrics = new Map<string, MetricSpec>();
  (m.metrics ?? []).forEach((x, i) => {
    const at = `metrics[${i}]`;
    if (!METRIC.test(x.name ?? ''))
      err(`${at}.name`, 'metricNameFormat', 'must start with a letter; letters, digits, "_", "." or "-", at most 64');
    else if (metrics.has(x.name)) err(`${at}.name`, 'listedTwice', `'${x.name}' is listed twice`, { name: x.name });
    else metrics.set(x.name, x);
    if (!isUnit(x.unit))
      err(`${at}.unit`, 'unknownUnit', `unknown unit '${x.unit}'; one of ${UNIT_NAMES.join(', ')}`, {
        unit: String(x.unit),
        units: UNIT_NAMES.join(', '),
      });
    for (const range of ['physicalRange', 'normalRange'] as const) {
      const r = x[range];
      if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite))
        err(`${at}.${range}`, 'rangeShape', 'must be [min, max], two numbers');
      else if (r[0] >= r[1])
        err(`${at}.${range}`, 'rangeOrder', `min ${r[0]} must be below max ${r[1]}`, { min: r[0], max: r[1] });
    }
    const [pLo, pHi] = x.physicalRange ?? [Number.NaN, Number.NaN];
    const [nLo, nHi] = x.normalRange ?? [Number.NaN, Number.NaN];
    if (nLo < pLo || nHi > pHi)
      err(`${at}.normalRange`, 'normalOutsidePhysical', `must lie within the physical range [${pLo}, ${pHi}]`, {
        min: pLo,
        max: pHi,
      });
    const { upper, lower } = x.ratedLimits ?? {};
    if (upper !== undefined && !Number.isFinite(upper))
      err(`${at}.ratedLimits.upper`, 'notANumber', 'must be a number');
    if (lower !== undefined && !Number.isFinite(lower))
      err(`${at}.ratedLimits.lower`, 'notANumber', 'must be a number');
    if (upper !== undefined && upper <= nHi)
      err(`${at}.ratedLimits.upper`, 'upperNotAboveNormal', `must be above the normal range's max ${nHi}`, {
        max: nHi,
      });
    if (lower !== undefined && lower >= nLo)
      err(`${at}.ratedLimits.lower`, 'lowerNotBelowNormal', `must be below the normal range's min ${nLo}`, {
        min: nLo,
      });
    if (upper !== undefined && upper > pHi)
      err(`${at}.ratedLimits.upper`, 'upperOutsidePhysical', `must lie within the physical range (max ${pHi})`, {
        max: pHi,
      });
    if (lower !== undefined && lower < pLo)
      err(`${at}.ratedLimits.lower`, 'lowerOutsidePhysical', `must lie within the physical range (min ${pLo})`, {
        min: pLo,
      });
    if (x.machineClass !== undefined) {
      if (!Object.hasOwn(ISO10816_ZONES_MM_S, x.machineClass))
        err(`${at}.machineClass`, 'machineClass', 'must be I, II, III or IV');
      if (isUnit(x.unit) && UNITS[x.unit].quantity !== 'vibration_velocity') {
        err(
          `${at}.machineClass`,
          'machineClassUnit',
          'an ISO 10816 machine class needs a vibration velocity unit (mm/s, in/s)',
        );
      }
    }
  });
  const modes = new Set<string>();
  (m.failureModes ?? []).forEach((f, i) => {
    const at = `failureModes[${i}]`;
    if (!MODE_ID_PATTERN.test(f.id ?? ''))
      err(`${at}.id`, 'modeIdFormat', 'must be snake_case: a letter, then letters, digits or "_"');
    else if ((BUILT_IN_MODES as readonly string[]).includes(f.id))
      err(
        `${at}.id`,
        'builtInMode',
        `'${f.id}' is a mode Purna gives every model (a sensor fault's parts are sensorParts)`,
        { id: f.id },
      );
    else if (modes.has(f.id)) err(`${at}.id`, 'listedTwice', `'${f.id}' is listed twice`, { name: f.id });
    else modes.add(f.id);
    if (!f.name?.trim()) err(`${at}.name`, 'required', 'is required');
    if (!Array.isArray(f.signature) || f.signature.length === 0)
      err(`${at}.signature`, 'noSignature', 'must name at least one metric and direction');
    (f.signature ?? []).forEach((s, j) => {
      if (!metrics.has(s.metric))
        err(`${at}.signature[${j}].metric`, 'noSuchMetric', `the model has no metric '${s.metric}'`, {
          metric: String(s.metric),
        });
      if (s.direction !== 'up' && s.direction !== 'down')
        err(`${at}.signature[${j}].direction`, 'direction', "must be 'up' or 'down'");
    });
    checkParts(`${at}.parts`, f.parts ?? []);
    if (!f.skill?.trim()) err(`${at}.skill`, 'required', 'is required');
    if (!(f.repairHours > 0)) err(`${at}.repairHours`, 'positiveHours', 'must be a positive number of hours');
  });
  checkParts('sensorParts', m.sensorParts ?? []);
  if (m.running) {
    if (!metrics.has(m.running.metric))
      err('running.metric', 'noSuchMetric', `the model has no metric '${m.running.metric}'`, {
        metric: String(m.running.metric),
      });
    if (!Number.isFinite(m.running.stoppedBelow)) err('running.stoppedBelow', 'notANumber', 'must be a number');
  }
  if (!Number.isInteger(m.warrantyMonths) || m.warrantyMonths < 0)
    err('warrantyMonths', 'warrantyMonths', 'must be a whole number of months, 0 or more');
  const { days, runningHours } = m.serviceInterval ?? {};
  if (days !== undefined && !(days > 0))
    err('serviceInterval.days', 'positiveDays', 'must be a positive number of days');
  if (runningHours !== undefined && !(runningHours > 0))
    err('serviceInterval.runningHours', 'positiveHours', 'must be a positive number of hours');
  for (const [jobType, items] of Object.entries(m.checklists ?? {})) {
    const at = `checklists.${jobType}`;
    if (!isJobType(jobType)) {
      err(at, 'unknownJobType', `unknown job type '${jobType}'; one of ${JOB_TYPES.join(', ')}`, {
        jobType,
        jobTypes: JOB_TYPES.join(', '),
      });
      continue;
    }
    checkItems(at, items);
  }
  (m.failureModes ?? []).forEach((f, i) => {
    if (f.checklist !== undefined) checkItems(`failureModes[${i}].checklist`, f.checklist);
  });
  return { errors, warnings };

  /** A checklist's items: ids snake_case and each once, labels, readings of the model's metrics within a range. */
  function checkItems(at: string, items: readonly ChecklistItem[]): void {
    const ids = new Set<string>();
    (Array.isArray(items) ? items : []).forEach((item, i) => {
      const f = `${at}[${i}]`;
      if (!MODE_ID_PATTERN.test(item.id ?? ''))
        err(`${f}.id`, 'modeIdFormat', 'must be snake_case: a letter, then letters, digits or "_"');
      else if (ids.has(item.id)) err(`${f}.id`, 'listedTwice', `'${item.id}' is listed twice`, { name: item.id });
      else ids.add(item.id);
      if (!item.label?.trim()) err(`${f}.label`, 'required', 'is required');
      const r = item.reading;
      if (r === undefined) return;
      if (!metrics.has(r.metric))
        err(`${f}.reading.metric`, 'noSuchMetric', `the model has no metric '${r.metric}'`, {
          metric: String(r.metric),
        });
      if (!Number.isFinite(r.min)) err(`${f}.reading.min`, 'notANumber', 'must be a number');
      if (!Number.isFinite(r.max)) err(`${f}.reading.max`, 'notANumber', 'must be a number');
      else if (Number.isFinite(r.min) && r.min >= r.max)
        err(`${f}.reading`, 'rangeOrder', `min ${r.min} must be below max ${r.max}`, { min: r.min, max: r.max });
    });
  }
}

/**
 * Purna's own checklist steps (a model without its own list gets these), in English; the
 * dashboard shows them in the viewer's language by id (`checklist.<id>` in core/i18n) when the
 * label is still this one, and a model's own wording as written.
 */
export const DEFAULT_CHECKLIST_LABELS = {
  mounted_aligned: 'Mounted, levelled and aligned',
  connections_checked: 'Power, piping and connections checked',
  sensors_reporting: 'Sensors reporting to Purna',
  customer_briefed: 'Customer shown how to operate it',
  visual_inspection: 'Visual inspection (leaks, corrosion, fixings)',
  lubrication: 'Lubricated to the manual',
  filters_cleaned: 'Filters and vents cleaned',
  cause_found: 'Cause found and recorded',
  test_run: 'Test run after the repair',
} as const;
/** The words before a default reading step's "metric (unit)", by kind. */
export const DEFAULT_READING_LABELS = {
  acceptance: 'Acceptance reading',
  afterService: 'Reading after service',
  reading: 'Reading',
} as const;

/**
 * The checklist of a job of `jobType` on this model: for a repair, its failure mode's list when
 * the catalogue gives one; else the model's own for the job type when it lists one, else Purna's default. The default commissioning and maintenance lists record one
 * reading of each metric, to be within its normal range: a machine installed badly (misaligned,
 * running hot) must not be accepted, nor learnt by analytics as this machine's normal.
 */
export function checklistFor(model: ProductModel, jobType: JobType, mode?: string): ChecklistItem[] {
  // A repair: the failure mode's own list first (what fixing this fault on this model takes).
  const forMode = isFailureJob(jobType) ? model.failureModes.find((f) => f.id === mode)?.checklist : undefined;
  const own = forMode ?? model.checklists?.[jobType];
  if (own) return own.map((i) => ({ ...i, required: i.required ?? true }));
  const readings = (label: string): ChecklistItem[] =>
    model.metrics.map((x) => ({
      id: `reading_${x.name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`,
      label: `${label}: ${x.name} (${x.unit})`,
      reading: { metric: x.name, min: x.normalRange[0], max: x.normalRange[1] },
      required: true,
    }));
  switch (jobType) {
    case 'installation':
      return [
        { id: 'mounted_aligned', label: DEFAULT_CHECKLIST_LABELS.mounted_aligned, required: true },
        { id: 'connections_checked', label: DEFAULT_CHECKLIST_LABELS.connections_checked, required: true },
        { id: 'sensors_reporting', label: DEFAULT_CHECKLIST_LABELS.sensors_reporting, required: true },
        ...readings(DEFAULT_READING_LABELS.acceptance),
        { id: 'customer_briefed', label: DEFAULT_CHECKLIST_LABELS.customer_briefed, required: false },
      ];
    case 'planned_maintenance':
      return [
        { id: 'visual_inspection', label: DEFAULT_CHECKLIST_LABELS.visual_inspection, required: true },
        { id: 'lubrication', label: DEFAULT_CHECKLIST_LABELS.lubrication, required: true },
        { id: 'filters_cleaned', label: DEFAULT_CHECKLIST_LABELS.filters_cleaned, required: false },
        ...readings(DEFAULT_READING_LABELS.afterService),
      ];
    case 'inspection':
      return [
        { id: 'visual_inspection', label: DEFAULT_CHECKLIST_LABELS.visual_inspection, required: true },
        ...readings(DEFAULT_READING_LABELS.reading).map((i) => ({ ...i, required: false })),
      ];
    default:
      return [
        { id: 'cause_found', label: DEFAULT_CHECKLIST_LABELS.cause_found, required: false },
        { id: 'test_run', label: DEFAULT_CHECKLIST_LABELS.test_run, required: false },
      ];
  }
}

/** The catalogue form of one of the built-in models (seed data). */
function fromBuiltIn(spec: DeviceModelSpec): ProductModel {
  const iso = ISO10816_ZONES_MM_S[spec.machineClass];
  const part = (mode: keyof DeviceModelSpec['spareParts']) => {
    const p = spec.spareParts[mode];
    return p ? [{ sku: p.sku, name: p.name, quantity: 1 }] : [];
  };
  const [tLo, tHi] = spec.physicalRange.temperatureC;
  const [vLo, vHi] = spec.physicalRange.vibrationMmS;
  return {
    id: spec.id,
    name: spec.name,
    kind: spec.kind,
    metrics: [
      {
        name: 'temperature',
        unit: '°C',
        physicalRange: [tLo, tHi],
        normalRange: [spec.healthy.ambientC, Math.min(spec.ratedMaxTemperatureC - 5, spec.healthy.temperatureC + 12)],
        ratedLimits: { upper: spec.ratedMaxTemperatureC },
      },
      {
        name: 'vibration',
        unit: 'mm/s',
        physicalRange: [vLo, vHi],
        normalRange: [0, iso.bc],
        ratedLimits: { upper: iso.cd },
        machineClass: spec.machineClass,
      },
    ],
    failureModes: [
      {
        id: 'bearing_wear',
        name: 'Bearing wear',
        signature: [{ metric: 'vibration', direction: 'up' }],
        parts: part('bearing_wear'),
        skill: 'bearings',
        repairHours: 4,
      },
      {
        id: 'cooling_failure',
        name: 'Cooling failure',
        signature: [{ metric: 'temperature', direction: 'up' }],
        parts: part('cooling_failure'),
        skill: 'cooling',
        repairHours: 3,
      },
      {
        id: 'lubrication_loss',
        name: 'Lubrication loss',
        signature: [
          { metric: 'temperature', direction: 'up' },
          { metric: 'vibration', direction: 'up' },
        ],
        parts: part('lubrication_loss'),
        skill: 'lubrication',
        repairHours: 2,
      },
    ],
    running: { metric: 'vibration', stoppedBelow: spec.healthy.vibrationMmS / 4 },
    sensorParts: part('sensor_fault'),
    warrantyMonths: 24,
    serviceInterval: { days: 180, runningHours: 4000 },
  };
}

/** The three models Purna started with, as catalogue seed data. */
export function seedProductModels(): ProductModel[] {
  return DEVICE_MODELS.map(fromBuiltIn);
}
