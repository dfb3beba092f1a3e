// The catalogue room as callers see it (`service.catalogue`): product models, their versions and
// imports, and which model a device is. Every change is a new version, then `catalogueChanged`
// (catalogue.ts does the work).

import type { ProductModel, ProductModelVersion } from '../../core/product-catalogue.ts';
import type { ServiceStores } from '../stores.ts';
import type { Catalogue, CatalogueImportResult, SavedModel } from './catalogue.ts';
import { parseCsvImport, parseJsonImport } from './import-file.ts';
import type { ModelHistoryEntry } from './store.ts';

export class CatalogueRoom {
  readonly #stores: ServiceStores;
  readonly #catalogue: Catalogue;

  constructor(stores: ServiceStores, catalogue: Catalogue) {
    this.#stores = stores;
    this.#catalogue = catalogue;
  }

  listProductModels(): ProductModelVersion[] {
    return this.#catalogue.list();
  }
  /** The current version; 404 when there is none. */
  getProductModel(id: string): ProductModelVersion {
    return this.#catalogue.get(id);
  }
  productModelHistory(id: string): ModelHistoryEntry[] {
    return this.#catalogue.history(id);
  }
  productModelVersion(id: string, version: number): ModelHistoryEntry {
    return this.#catalogue.version(id, version);
  }
  /** 400 naming each problem; 409 when the id exists. Warnings (a part no depot holds) come with the answer. */
  createProductModel(model: ProductModel, by: string): SavedModel {
    return this.#catalogue.create(model, by);
  }
  updateProductModel(id: string, model: ProductModel, by: string, fromVersion?: number): SavedModel {
    return this.#catalogue.update(id, model, by, fromVersion);
  }
  /** 409 naming how many devices use it. */
  deleteProductModel(id: string, by: string): ProductModelVersion {
    return this.#catalogue.remove(id, by);
  }
  /** A JSON or CSV file of models, all or nothing, problems by line (see import-file.ts for the CSV layout). */
  importProductModels(format: 'json' | 'csv', text: string, by: string): CatalogueImportResult {
    return this.#catalogue.importModels(format, format === 'json' ? parseJsonImport(text) : parseCsvImport(text), by);
  }
  countDevicesOfModel(modelId: string): number {
    return this.#stores.registry.countDevicesOfModel(modelId);
  }
  /**
   * The current catalogue version of a device's model; undefined for a device the registry does
   * not know. Cheap (two lookups in memory): ingest and analytics ask per message.
   */
  productModelOfDevice(deviceId: string): ProductModelVersion | undefined {
    const { registry, catalogue } = this.#stores;
    const modelId = registry.modelIdOf(deviceId);
    return modelId === null ? undefined : catalogue.current(modelId);
  }
}
