// Reading a catalogue import (JSON or CSV) into product models, each with the line of the file
// every field came from, so that a problem found later (by the shape check or core's validator)
// is reported at its line.
//
// CSV is flat and a model is not (metrics, failure modes, their parts), so the CSV layout is one
// row per thing, each naming its model: a `record` column says what the row is.
//
//   record        the row's other columns (* required)
//   model         modelId*, name*, kind*, warrantyMonths*, serviceDays, serviceRunningHours, runningMetric, stoppedBelow
//   metric        modelId*, name*, unit*, physicalMin*, physicalMax*, normalMin*, normalMax*, ratedLower, ratedUpper, machineClass
//   failure_mode  modelId*, mode*, name*, signature* (metric:up|down, ';' between), skill*, repairHours*
//   part          modelId*, mode* (a failure mode of the model, or sensor_fault for the sensor parts), sku*, name*, quantity (1)
//
// Columns come in any order; a cell a row's record does not use must be empty (a value there
// means the columns have shifted). Each model's rows may come in any order.

import type { FailureModeSpec, MetricSpec, PartSpec, ProductModel } from '../../core/product-catalogue.ts';
import { parseCsv } from '../csv-import.ts';

/** One problem of an import: where it is (line; the model and field when known) and what is wrong. */
export interface ImportProblem {
  line: number;
  modelId?: string;
  field?: string;
  /** The validator's code (core/product-catalogue.ts PROBLEM_CODES), when it found the problem. */
  code?: string;
  message: string;
  params?: Record<string, string | number>;
}

/** A model read from the file, and the line each of its fields is on. */
export interface ImportEntry {
  /** As read: a CSV's models have the model's shape; a JSON file's are whatever the file held. */
  model: unknown;
  lineOf: (field: string) => number;
}

export interface ParsedImport {
  entries: ImportEntry[];
  errors: ImportProblem[];
}

/** The most models one import may hold. */
export const MAX_IMPORT_MODELS = 1000;

export const CSV_CATALOGUE_COLUMNS = [
  'record',
  'modelId',
  'mode',
  'name',
  'kind',
  'unit',
  'physicalMin',
  'physicalMax',
  'normalMin',
  'normalMax',
  'ratedLower',
  'ratedUpper',
  'machineClass',
  'signature',
  'skill',
  'repairHours',
  'sku',
  'quantity',
  'warrantyMonths',
  'serviceDays',
  'serviceRunningHours',
  'runningMetric',
  'stoppedBelow',
] as const;
type Column = (typeof CSV_CATALOGUE_COLUMNS)[number];

const RECORDS: Record<string, { required: Column[]; optional: Column[] }> = {
  model: {
    required: ['modelId', 'name', 'kind', 'warrantyMonths'],
    optional: ['serviceDays', 'serviceRunningHours', 'runningMetric', 'stoppedBelow'],
  },
  metric: {
    required: ['modelId', 'name', 'unit', 'physicalMin', 'physicalMax', 'normalMin', 'normalMax'],
    optional: ['ratedLower', 'ratedUpper', 'machineClass'],
  },
  failure_mode: { required: ['modelId', 'mode', 'name', 'signature', 'skill', 'repairHours'], optional: [] },
  part: { required: ['modelId', 'mode', 'sku', 'name'], optional: ['quantity'] },
};

/** A JSON import: an array of models, or `{"models": [...]}`. */
export function parseJsonImport(text: string): ParsedImport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return {
      entries: [],
      errors: [{ line: lineOfJsonError(text, err as Error), message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  const models = Array.isArray(doc) ? doc : (doc as { models?: unknown })?.models;
  if (!Array.isArray(models))
    return { entries: [], errors: [{ line: 1, message: 'expected an array of product models, or {"models": [...]}' }] };
  if (models.length === 0) return { entries: [], errors: [{ line: 1, message: 'the file holds no product models' }] };
  if (models.length > MAX_IMPORT_MODELS)
    return { entries: [], errors: [{ line: 1, message: `more than ${MAX_IMPORT_MODELS} models in one import` }] };
  const lines = jsonElementLines(text);
  return { entries: models.map((model, i) => ({ model, lineOf: () => lines[i] ?? 1 })), errors: [] };
}

/** A CSV import (layout above). */
export function parseCsvImport(text: string): ParsedImport {
  const records = parseCsv(text);
  if (records.length === 0) return { entries: [], errors: [{ line: 1, message: 'the file is empty' }] };
  const header = records[0].fields.map((h) => h.trim());
  const errors: ImportProblem[] = [];
  const unknown = header.filter((h) => !(CSV_CATALOGUE_COLUMNS as readonly string[]).includes(h));
  if (unknown.length)
    errors.push({
      line: 1,
      message: `unknown column(s) ${unknown.join(', ')}; the columns are ${CSV_CATALOGUE_COLUMNS.join(', ')}`,
    });
  for (const c of ['record', 'modelId'] as const)
    if (!header.includes(c)) errors.push({ line: 1, message: `the header must name the column ${c}` });
  if (errors.length) return { entries: [], errors };

  const models = new Map<string, CsvModel>();
  const modelOf = (id: string) => {
    let m = models.get(id);
    if (!m) models.set(id, (m = { id, line: 0, fields: null, metrics: [], modes: [], parts: [] }));
    return m;
  };
  for (const { line, fields } of records.slice(1)) {
    const row = new Map(header.map((h, i) => [h as Column, (fields[i] ?? '').trim()]));
    const record = row.get('record') ?? '';
    const spec = RECORDS[record];
    const modelId = row.get('modelId') ?? '';
    const fail = (message: string) => errors.push({ line, ...(modelId ? { modelId } : {}), message });
    if (!spec) {
      fail(`record must be one of ${Object.keys(RECORDS).join(', ')}, got '${record}'`);
      continue;
    }
    const missing = spec.required.filter((c) => !row.get(c));
    const stray = CSV_CATALOGUE_COLUMNS.filter(
      (c) => c !== 'record' && !spec.required.includes(c) && !spec.optional.includes(c) && row.get(c),
    );
    if (missing.length || stray.length) {
      const needs = missing.length ? [`a ${record} row needs ${missing.join(', ')}`] : [];
      const extra = stray.length
        ? [
            `${stray.join(', ')} ${stray.length > 1 ? 'do' : 'does'} not apply to a ${record} row (have the columns shifted?)`,
          ]
        : [];
      fail([...needs, ...extra].join('; '));
      continue;
    }
    if (models.size >= MAX_IMPORT_MODELS && !models.has(modelId)) {
      fail(`more than ${MAX_IMPORT_MODELS} models in one import`);
      break;
    }
    const cells = new Cells(row, fail);
    const m = modelOf(modelId);
    if (record === 'model') {
      if (m.fields) {
        fail(`model '${modelId}' has a model row already (line ${m.line})`);
        continue;
      }
      const model = {
        name: cells.text('name'),
        kind: cells.text('kind'),
        warrantyMonths: cells.number('warrantyMonths'),
        serviceInterval: {
          days: cells.optionalNumber('serviceDays'),
          runningHours: cells.optionalNumber('serviceRunningHours'),
        },
        running: undefined as ProductModel['running'],
      };
      const runningMetric = row.get('runningMetric');
      const stoppedBelow = cells.optionalNumber('stoppedBelow');
      if (runningMetric && stoppedBelow !== undefined) model.running = { metric: runningMetric, stoppedBelow };
      else if (runningMetric || stoppedBelow !== undefined)
        cells.fail('runningMetric and stoppedBelow go together: give both or neither');
      if (cells.ok) {
        m.fields = model;
        m.line = line;
      }
    } else if (record === 'metric') {
      const metric: MetricSpec = {
        name: cells.text('name'),
        unit: cells.text('unit') as MetricSpec['unit'],
        physicalRange: [cells.number('physicalMin'), cells.number('physicalMax')],
        normalRange: [cells.number('normalMin'), cells.number('normalMax')],
        ratedLimits: dropUndefined({
          upper: cells.optionalNumber('ratedUpper'),
          lower: cells.optionalNumber('ratedLower'),
        }),
      };
      const machineClass = row.get('machineClass');
      if (machineClass) metric.machineClass = machineClass as MetricSpec['machineClass'];
      if (cells.ok) m.metrics.push({ line, metric });
    } else if (record === 'failure_mode') {
      const mode: FailureModeSpec = {
        id: cells.text('mode'),
        name: cells.text('name'),
        signature: cells.signature('signature'),
        parts: [],
        skill: cells.text('skill'),
        repairHours: cells.number('repairHours'),
      };
      if (cells.ok) m.modes.push({ line, mode });
    } else {
      const quantity = cells.optionalNumber('quantity') ?? 1;
      if (cells.ok)
        m.parts.push({
          line,
          mode: cells.text('mode'),
          part: { sku: cells.text('sku'), name: cells.text('name'), quantity },
        });
    }
  }
  if (records.length === 1) errors.push({ line: 1, message: 'the file has a header and no rows' });
  const entries: ImportEntry[] = [];
  for (const m of models.values()) {
    const entry = assemble(m, errors);
    if (entry) entries.push(entry);
  }
  return { entries, errors };
}

interface CsvModel {
  id: string;
  line: number;
  fields: Omit<ProductModel, 'id' | 'metrics' | 'failureModes'> | null;
  metrics: { line: number; metric: MetricSpec }[];
  modes: { line: number; mode: FailureModeSpec }[];
  parts: { line: number; mode: string; part: PartSpec }[];
}

/** One model from its rows, with each field's line (a failure mode's parts are the part rows naming it). */
function assemble(m: CsvModel, errors: ImportProblem[]): ImportEntry | null {
  const firstLine = Math.min(...[...m.metrics, ...m.modes, ...m.parts].map((r) => r.line));
  if (!m.fields) {
    errors.push({
      line: firstLine,
      modelId: m.id,
      message: `model '${m.id}' has rows but no model row (name, kind, warrantyMonths)`,
    });
    return null;
  }
  const modeLines = new Map(m.modes.map((r, i) => [r.mode.id, i]));
  const partLines: number[][] = m.modes.map(() => []);
  const sensorParts: PartSpec[] = [];
  const sensorLines: number[] = [];
  let ok = true;
  for (const p of m.parts) {
    if (p.mode === 'sensor_fault') {
      sensorParts.push(p.part);
      sensorLines.push(p.line);
      continue;
    }
    const i = modeLines.get(p.mode);
    if (i === undefined) {
      errors.push({
        line: p.line,
        modelId: m.id,
        message: `model '${m.id}' has no failure_mode row '${p.mode}' for this part (sensor_fault: a sensor part)`,
      });
      ok = false;
      continue;
    }
    m.modes[i].mode.parts.push(p.part);
    partLines[i].push(p.line);
  }
  if (!ok) return null;
  const { running, serviceInterval, ...rest } = m.fields;
  const model: ProductModel = {
    id: m.id,
    ...rest,
    metrics: m.metrics.map((r) => r.metric),
    failureModes: m.modes.map((r) => r.mode),
    serviceInterval: dropUndefined(serviceInterval),
    ...(running ? { running } : {}),
    ...(sensorParts.length ? { sensorParts } : {}),
  };
  const lineOf = (field: string): number => {
    let x = /^failureModes\[(\d+)\]\.parts\[(\d+)\]/.exec(field);
    if (x) return partLines[Number(x[1])]?.[Number(x[2])] ?? m.line;
    x = /^failureModes\[(\d+)\]/.exec(field);
    if (x) return m.modes[Number(x[1])]?.line ?? m.line;
    x = /^metrics\[(\d+)\]/.exec(field);
    if (x) return m.metrics[Number(x[1])]?.line ?? m.line;
    x = /^sensorParts\[(\d+)\]/.exec(field);
    if (x) return sensorLines[Number(x[1])] ?? m.line;
    return m.line;
  };
  return { model, lineOf };
}

/** A row's cells as the types a model needs; each bad cell is reported once and makes the row not ok. */
class Cells {
  ok = true;
  readonly #row: Map<Column, string>;
  readonly #fail: (message: string) => void;

  constructor(row: Map<Column, string>, fail: (message: string) => void) {
    this.#row = row;
    this.#fail = fail;
  }

  fail(message: string): void {
    this.ok = false;
    this.#fail(message);
  }

  text(c: Column): string {
    return this.#row.get(c) ?? '';
  }

  number(c: Column): number {
    const raw = this.text(c);
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n)) {
      this.fail(`${c} must be a number, got '${raw}'`);
      return Number.NaN;
    }
    return n;
  }

  optionalNumber(c: Column): number | undefined {
    return this.text(c) === '' ? undefined : this.number(c);
  }

  /** `pressure:down;flow:down` */
  signature(c: Column): FailureModeSpec['signature'] {
    const terms: FailureModeSpec['signature'] = [];
    for (const term of this.text(c)
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)) {
      const [metric, direction, extra] = term.split(':').map((t) => t.trim());
      if (!metric || (direction !== 'up' && direction !== 'down') || extra !== undefined) {
        this.fail(
          `${c} must list metric:up or metric:down, separated by ';' (e.g. pressure:down;flow:down), got '${term}'`,
        );
        return [];
      }
      terms.push({ metric, direction });
    }
    return terms;
  }
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The line each element of the models array starts on (the top-level array, or the array under a
 * top-level "models" key), from a text already known to be valid JSON.
 */
export function jsonElementLines(text: string): number[] {
  const lines: number[] = [];
  const stack: { object: boolean; key: string | null; expectKey: boolean; target: boolean }[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '\n') line++;
    else if (c === ' ' || c === '\t' || c === '\r' || c === ':') continue;
    else if (c === ',') {
      if (top?.object) top.expectKey = true;
    } else if (c === '}' || c === ']') stack.pop();
    else {
      // A value (or an object's key) starts here.
      const isKey = top?.object === true && top.expectKey;
      if (!isKey && top?.target) lines.push(line);
      if (c === '{' || c === '[') {
        const target = c === '[' && (stack.length === 0 || (stack.length === 1 && top.object && top.key === 'models'));
        stack.push({ object: c === '{', key: null, expectKey: c === '{', target });
      } else if (c === '"') {
        let j = i + 1;
        while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
        if (isKey) {
          top.key = JSON.parse(text.slice(i, j + 1)) as string;
          top.expectKey = false;
        }
        i = j;
      } else {
        // A number or literal: up to the next delimiter.
        while (i + 1 < text.length && !',]} \t\r\n'.includes(text[i + 1])) i++;
      }
    }
  }
  return lines;
}

/** V8 says `… in JSON at position 123 (line 5 column 3)`; older messages give only the position. */
function lineOfJsonError(text: string, err: Error): number {
  const lineCol = /line (\d+) column/.exec(err.message);
  if (lineCol) return Number(lineCol[1]);
  const pos = /position (\d+)/.exec(err.message);
  return pos ? text.slice(0, Number(pos[1])).split('\n').length : 1;
}
