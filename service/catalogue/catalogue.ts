// The catalogue's commands: create, change, delete and import product models. Each validates
// with core's validateProductModel (the same problems the UI shows as you type), writes a new
// version in one transaction, and only after the commit tells the bus (`catalogueChanged`), so
// ingest and analytics judge the next readings by it without a restart.

import type { Clock } from '../../core/clock.ts';
import type { EventBus } from '../../core/event-bus.ts';
import type { Problem } from '../../core/http-errors.ts';
import type { Logger } from '../../core/log.ts';
import {
  seedProductModels,
  validateProductModel,
  type CatalogueChange,
  type CatalogueProblem,
  type ProductModel,
  type ProductModelVersion,
} from '../../core/product-catalogue.ts';
import { inTransaction, oneAtATime } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import { badRequest, conflict, invalid, notFound } from '../types.ts';
import type { ImportEntry, ImportProblem, ParsedImport } from './import-file.ts';
import { shapeProblems } from './schema.ts';
import { sameSpec, type ModelHistoryEntry } from './store.ts';

/** Who seeds the built-in models (and who the migration says created them). */
export const SEED_ACTOR = 'system:seed';

/** A saved model: the version now current, whether the save made one, and what deserves a look. */
export interface SavedModel {
  model: ProductModelVersion;
  /** False when the model was already exactly this: no new version. */
  changed: boolean;
  /** Not wrong, worth knowing: a part SKU no depot holds yet (its work orders would wait for it). */
  warnings: CatalogueProblem[];
}

export interface CatalogueImportResult {
  format: 'json' | 'csv';
  /** Models in the file. */
  models: number;
  created: number;
  updated: number;
  unchanged: number;
  /** True when the models were saved; false when any problem was found and nothing was. */
  committed: boolean;
  errors: ImportProblem[];
  warnings: ImportProblem[];
}

export class Catalogue {
  readonly #s: ServiceStores;
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #clock: Clock;

  constructor(opts: { stores: ServiceStores; bus: EventBus; log: Logger; clock: Clock }) {
    this.#s = opts.stores;
    this.#bus = opts.bus;
    this.#log = opts.log;
    this.#clock = opts.clock;
  }

  /**
   * A catalogue that never had a model gets the three built-in ones (pump P200, compressor C75,
   * motor M15) as version 1. Only once: models deleted later are not brought back. Runs at start,
   * before anyone listens to the bus.
   */
  seedIfNew(): number {
    const { catalogue, db } = this.#s;
    if (catalogue.everUsed()) return 0;
    const now = this.#clock.nowMs();
    const seeds = seedProductModels();
    // Workers starting together on one PostgreSQL: one seeds, the others find it seeded.
    const seeded = inTransaction(db, () => {
      oneAtATime(db, 'catalogue-seed');
      if (catalogue.everUsed()) return false;
      for (const m of seeds) catalogue.save(m, SEED_ACTOR, now);
      return true;
    });
    if (!seeded) return 0;
    this.#log.info({ models: seeds.map((m) => m.id) }, 'product catalogue seeded with the built-in models');
    return seeds.length;
  }

  list(): ProductModelVersion[] {
    return this.#s.catalogue.list();
  }

  get(id: string): ProductModelVersion {
    const m = this.#s.catalogue.current(id);
    if (!m) throw notFound('product model', id);
    return m;
  }

  /** Every version, oldest first; a deleted model's history too. */
  history(id: string): ModelHistoryEntry[] {
    const h = this.#s.catalogue.history(id);
    if (h.length === 0) throw notFound('product model', id);
    return h;
  }

  version(id: string, version: number): ModelHistoryEntry {
    const v = this.#s.catalogue.version(id, version);
    if (!v) throw notFound('product model version', `${id}@${version}`);
    return v;
  }

  create(model: ProductModel, by: string): SavedModel {
    const existing = this.#s.catalogue.current(model.id);
    if (existing)
      throw conflict(
        `product model '${model.id}' exists (version ${existing.version}); change it with PUT /api/catalogue/models/${model.id}`,
      );
    return this.#save(model, by);
  }

  /** Replaces a model with a new version. `fromVersion`, when given, must be the current one (else 409: someone else changed it). */
  update(id: string, model: ProductModel, by: string, fromVersion?: number): SavedModel {
    if (model.id !== id)
      throw badRequest(
        `id: is '${model.id}' but the model is '${id}'; a model's id cannot change (create a new model instead)`,
      );
    const current = this.get(id);
    if (fromVersion !== undefined && fromVersion !== current.version) {
      throw conflict(
        `version mismatch: product model '${id}' is at version ${current.version}, not ${fromVersion}; reload and retry`,
      );
    }
    return this.#save(model, by);
  }

  /** Deletes a model no device uses (409 naming how many do); its history stays. */
  remove(id: string, by: string): ProductModelVersion {
    const change = inTransaction(this.#s.db, () => {
      this.get(id);
      const devices = this.#s.registry.countDevicesOfModel(id);
      if (devices > 0)
        throw conflict(
          `product model '${id}' is used by ${devices} device${devices === 1 ? '' : 's'}; move them to another model first`,
        );
      return this.#s.catalogue.delete(id, by, this.#clock.nowMs())!;
    });
    this.#announce([change], by);
    return change.model;
  }

  /**
   * Saves every model of a file, or none: each is checked (shape, then meaning) and every problem
   * reported with its line; only a file without errors is written, in one transaction. A model
   * already stored exactly so is left alone, so importing a file again changes nothing.
   */
  importModels(format: CatalogueImportResult['format'], parsed: ParsedImport, by: string): CatalogueImportResult {
    const result: CatalogueImportResult = {
      format,
      models: parsed.entries.length,
      created: 0,
      updated: 0,
      unchanged: 0,
      committed: false,
      errors: [...parsed.errors],
      warnings: [],
    };
    const knownSkus = this.#s.catalogue.stockedSkus();
    const firstLineOf = new Map<string, number>();
    const valid: ProductModel[] = [];
    for (const entry of parsed.entries) {
      const model = this.#checkEntry(entry, knownSkus, firstLineOf, result);
      if (model) valid.push(model);
    }
    result.errors.sort((a, b) => a.line - b.line);
    if (result.errors.length > 0) return result;
    const now = this.#clock.nowMs();
    const changes = inTransaction(this.#s.db, () => {
      const out: CatalogueChange[] = [];
      for (const m of valid) {
        const current = this.#s.catalogue.current(m.id);
        if (current && sameSpec(current, m)) {
          result.unchanged++;
          continue;
        }
        const change = this.#s.catalogue.save(m, by, now);
        if (change.change === 'created') result.created++;
        else result.updated++;
        out.push(change);
      }
      return out;
    });
    result.committed = true;
    this.#announce(changes, by);
    return result;
  }

  #checkEntry(
    entry: ImportEntry,
    knownSkus: ReadonlySet<string>,
    firstLineOf: Map<string, number>,
    result: CatalogueImportResult,
  ): ProductModel | null {
    const id =
      typeof (entry.model as { id?: unknown })?.id === 'string' ? (entry.model as { id: string }).id : undefined;
    const at = (p: Problem & { code?: string; params?: ImportProblem['params'] }): ImportProblem => ({
      line: entry.lineOf(p.field),
      ...(id ? { modelId: id } : {}),
      field: p.field,
      ...(p.code ? { code: p.code } : {}),
      message: p.message,
      ...(p.params ? { params: p.params } : {}),
    });
    const shape = shapeProblems(entry.model);
    if (shape.length) {
      result.errors.push(...shape.map(at));
      return null;
    }
    const model = entry.model as ProductModel;
    const seenAt = firstLineOf.get(model.id);
    if (seenAt !== undefined) {
      result.errors.push({
        line: entry.lineOf('id'),
        modelId: model.id,
        field: 'id',
        message: `model '${model.id}' is in the file twice (first at line ${seenAt})`,
      });
      return null;
    }
    firstLineOf.set(model.id, entry.lineOf('id'));
    const { errors, warnings } = validateProductModel(model, knownSkus);
    result.errors.push(...errors.map(at));
    result.warnings.push(...warnings.map(at));
    return errors.length ? null : model;
  }

  #save(model: ProductModel, by: string): SavedModel {
    const { errors, warnings } = validateProductModel(model, this.#s.catalogue.stockedSkus());
    if (errors.length) throw invalid(`product model '${model.id}' is not valid`, errors);
    const now = this.#clock.nowMs();
    const saved = inTransaction(this.#s.db, () => {
      const current = this.#s.catalogue.current(model.id);
      if (current && sameSpec(current, model)) return { current };
      return { change: this.#s.catalogue.save(model, by, now) };
    });
    if (!saved.change) return { model: saved.current, changed: false, warnings };
    this.#announce([saved.change], by);
    return { model: saved.change.model, changed: true, warnings };
  }

  #announce(changes: readonly CatalogueChange[], by: string): void {
    for (const c of changes) {
      this.#log.info(
        { model: c.model.id, version: c.model.version, change: c.change, by },
        'product catalogue changed',
      );
      this.#bus.emit('catalogueChanged', c);
    }
  }
}
