import type { SqlDb } from '../../sql/sql-db.ts';
import {
  BUILT_IN_MODES,
  modesOf,
  type CatalogueChange,
  type ChecklistItem,
  type PartSpec,
  type ProductModel,
  type ProductModelVersion,
} from '../../core/product-catalogue.ts';
import { CUSTOMER_REPORTED_MODE } from '../../core/types.ts';
import { prepared } from '../db.ts';

interface VersionRow {
  model_id: string;
  version: number;
  change: CatalogueChange['change'];
  spec_json: string;
  updated_by: string;
  updated_at_ms: number;
}

/** One entry of a model's history: the version as it was saved, and what the save was. */
export interface ModelHistoryEntry {
  change: CatalogueChange['change'];
  model: ProductModelVersion;
}

function toVersion(r: {
  spec_json: string;
  version: number;
  updated_by: string;
  updated_at_ms: number;
}): ProductModelVersion {
  return {
    ...(JSON.parse(r.spec_json) as ProductModel),
    version: r.version,
    updatedBy: r.updated_by,
    updatedAt: new Date(r.updated_at_ms).toISOString(),
  };
}

/**
 * The product models: each model's current version (`device_models`) and every version ever saved
 * (`device_model_versions`), as data. Callers own the transaction (the catalogue's commands).
 *
 * The current versions are also held in memory, because ingest and analytics ask for a device's
 * model per message. The memory is filled only outside a transaction and emptied of a model on
 * every write to it, so it only ever holds committed rows: an import that rolls back leaves
 * nothing behind.
 */
export class CatalogueStore {
  readonly #db: SqlDb;
  readonly #current = new Map<string, ProductModelVersion>();

  constructor(db: SqlDb) {
    this.#db = db;
  }

  /** The current version of a model; undefined when there is none (never created, or deleted). */
  current(id: string): ProductModelVersion | undefined {
    const cached = this.#current.get(id);
    if (cached) return cached;
    const row = prepared(
      this.#db,
      'SELECT version, spec_json, updated_by, updated_at_ms FROM device_models WHERE id = ?',
    ).get(id) as VersionRow | undefined;
    if (!row) return undefined;
    const model = toVersion(row);
    if (!this.#db.isTransaction) this.#current.set(id, model);
    return model;
  }

  list(): ProductModelVersion[] {
    const rows = prepared(
      this.#db,
      'SELECT version, spec_json, updated_by, updated_at_ms FROM device_models ORDER BY id',
    ).all() as unknown as VersionRow[];
    return rows.map(toVersion);
  }

  /** Every version of a model, oldest first, deletions included (empty when the id was never used). */
  history(id: string): ModelHistoryEntry[] {
    const rows = prepared(this.#db, 'SELECT * FROM device_model_versions WHERE model_id = ? ORDER BY version').all(
      id,
    ) as unknown as VersionRow[];
    return rows.map((r) => ({ change: r.change, model: toVersion(r) }));
  }

  version(id: string, version: number): ModelHistoryEntry | undefined {
    const r = prepared(this.#db, 'SELECT * FROM device_model_versions WHERE model_id = ? AND version = ?').get(
      id,
      version,
    ) as VersionRow | undefined;
    return r ? { change: r.change, model: toVersion(r) } : undefined;
  }

  /**
   * Why `mode` is no failure mode of model `modelId` (`*`: of any model), or null when it is one:
   * a model's own modes and the ones every model has (sensor_fault, unknown_anomaly).
   */
  modeProblem(modelId: string, mode: string): string | null {
    if ((BUILT_IN_MODES as readonly string[]).includes(mode) || mode === CUSTOMER_REPORTED_MODE) return null;
    if (modelId === '*') {
      return this.list().some((m) => modesOf(m).includes(mode))
        ? null
        : `no product model has a failure mode '${mode}'`;
    }
    const model = this.current(modelId);
    if (!model) return `unknown model '${modelId}'`;
    const modes = modesOf(model);
    return modes.includes(mode) ? null : `'${mode}' is not a failure mode of ${modelId} (${modes.join(', ')})`;
  }

  /** SKUs some depot holds (stock or not): a model naming another gets a warning, not an error. */
  stockedSkus(): Set<string> {
    return new Set(
      (prepared(this.#db, 'SELECT DISTINCT sku FROM inventory').all() as { sku: string }[]).map((r) => r.sku),
    );
  }

  /** Whether any model was ever saved: the seed fills a catalogue only once, not again after its models were deleted. */
  everUsed(): boolean {
    return prepared(this.#db, 'SELECT 1 FROM device_model_versions LIMIT 1').get() !== undefined;
  }

  /**
   * Saves `model` as its next version (version numbers continue across a deletion, so a
   * (model, version) pair names one spec for ever). Must run inside a transaction.
   */
  save(model: ProductModel, by: string, nowMs: number): CatalogueChange {
    const existed = this.current(model.id) !== undefined;
    const version = this.#nextVersion(model.id);
    const spec = JSON.stringify(specOf(model));
    this.#current.delete(model.id);
    prepared(
      this.#db,
      `INSERT INTO device_models (id, name, kind, version, spec_json, updated_by, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, version = excluded.version, spec_json = excluded.spec_json,
        updated_by = excluded.updated_by, updated_at_ms = excluded.updated_at_ms`,
    ).run(model.id, model.name, model.kind, version, spec, by, nowMs);
    const change = existed ? 'updated' : 'created';
    this.#record(model.id, version, change, spec, by, nowMs);
    // The parts a model names become known SKUs, so depots may stock them (inventory rows need one).
    const upPart = prepared(
      this.#db,
      'INSERT INTO parts (sku, name) VALUES (?, ?) ON CONFLICT(sku) DO UPDATE SET name = excluded.name',
    );
    for (const p of [...model.failureModes.flatMap((f) => f.parts), ...(model.sensorParts ?? [])])
      upPart.run(p.sku, p.name);
    return { change, model: toVersion({ spec_json: spec, version, updated_by: by, updated_at_ms: nowMs }) };
  }

  /** Removes a model from the catalogue; its history stays, ending in a 'deleted' version. Must run inside a transaction. */
  delete(id: string, by: string, nowMs: number): CatalogueChange | undefined {
    const last = this.current(id);
    if (!last) return undefined;
    const version = this.#nextVersion(id);
    const spec = JSON.stringify(specOf(last));
    this.#current.delete(id);
    prepared(this.#db, 'DELETE FROM device_models WHERE id = ?').run(id);
    this.#record(id, version, 'deleted', spec, by, nowMs);
    return { change: 'deleted', model: toVersion({ spec_json: spec, version, updated_by: by, updated_at_ms: nowMs }) };
  }

  #nextVersion(id: string): number {
    return (
      prepared(this.#db, 'SELECT COALESCE(MAX(version), 0) + 1 AS v FROM device_model_versions WHERE model_id = ?').get(
        id,
      ) as { v: number }
    ).v;
  }

  #record(
    id: string,
    version: number,
    change: CatalogueChange['change'],
    spec: string,
    by: string,
    nowMs: number,
  ): void {
    prepared(
      this.#db,
      'INSERT INTO device_model_versions (model_id, version, change, spec_json, updated_by, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(id, version, change, spec, by, nowMs);
  }
}

/** Whether two models say the same (who saved them and when aside). */
export function sameSpec(a: ProductModel, b: ProductModel): boolean {
  return JSON.stringify(specOf(a)) === JSON.stringify(specOf(b));
}

/**
 * The model's own fields and nothing else, every object's keys in one order: what a version
 * stores (who saved it and when have columns), and what two versions are compared by.
 */
function specOf(m: ProductModel): ProductModel {
  const part = (p: PartSpec): PartSpec => ({ sku: p.sku, name: p.name, quantity: p.quantity });
  const items = (list: readonly ChecklistItem[] | undefined): ChecklistItem[] =>
    (list ?? []).map((i) =>
      defined({
        id: i.id,
        label: i.label,
        reading: i.reading ? { metric: i.reading.metric, min: i.reading.min, max: i.reading.max } : undefined,
        required: i.required,
      }),
    );
  const spec: ProductModel = {
    id: m.id,
    name: m.name,
    kind: m.kind,
    metrics: m.metrics.map((x) => ({
      name: x.name,
      unit: x.unit,
      physicalRange: [x.physicalRange[0], x.physicalRange[1]],
      normalRange: [x.normalRange[0], x.normalRange[1]],
      ratedLimits: defined({ upper: x.ratedLimits.upper, lower: x.ratedLimits.lower }),
      ...defined({ machineClass: x.machineClass }),
    })),
    failureModes: m.failureModes.map((f) => ({
      id: f.id,
      name: f.name,
      signature: f.signature.map((t) => ({ metric: t.metric, direction: t.direction })),
      parts: f.parts.map(part),
      skill: f.skill,
      repairHours: f.repairHours,
      ...(f.checklist ? { checklist: items(f.checklist) } : {}),
    })),
    ...(m.running ? { running: { metric: m.running.metric, stoppedBelow: m.running.stoppedBelow } } : {}),
    ...(m.sensorParts?.length ? { sensorParts: m.sensorParts.map(part) } : {}),
    warrantyMonths: m.warrantyMonths,
    serviceInterval: defined({ days: m.serviceInterval.days, runningHours: m.serviceInterval.runningHours }),
    ...(m.checklists
      ? {
          checklists: Object.fromEntries(Object.entries(m.checklists).map(([jobType, list]) => [jobType, items(list)])),
        }
      : {}),
  };
  return spec;
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
