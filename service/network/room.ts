// The network room as callers see it (`service.network`): technicians, depots and stock. A change
// that may staff or supply waiting jobs sweeps the backlog afterwards.

import { isPlannedJob } from '../../core/job-types.ts';
import type { Clock } from '../../core/clock.ts';
import { importCsv, type ImportResult } from '../csv-import.ts';
import type { ServiceStores } from '../stores.ts';
import { badRequest, type Depot, type InventoryItem, type Technician } from '../types.ts';
import type { InventoryInput, Network, TechnicianInput } from './store.ts';

export class NetworkRoom {
  readonly #stores: ServiceStores;
  readonly #clock: Clock;
  readonly #sweepBacklog: () => unknown;

  /** `sweepBacklog`: the work-orders room's sweep (planning/dispatcher.ts through its commands). */
  constructor(stores: ServiceStores, clock: Clock, sweepBacklog: () => unknown) {
    this.#stores = stores;
    this.#clock = clock;
    this.#sweepBacklog = sweepBacklog;
  }

  get #network(): Network {
    return this.#stores.network;
  }

  listTechnicians(): Technician[] {
    return this.#network.listTechnicians();
  }
  getTechnician(id: string): Technician | undefined {
    return this.#network.getTechnician(id);
  }
  listDepots(): Depot[] {
    return this.#network.listDepots();
  }
  listInventory(filter: { depotId?: string; sku?: string } = {}): InventoryItem[] {
    return this.#network.listInventory(filter);
  }
  /** A skill names a model and one of its failure modes (`*`: any); a mode the catalogue does not know is a 400. */
  saveTechnician(t: TechnicianInput): Technician | undefined {
    const { catalogue } = this.#stores;
    t.skills.forEach((s, i) => {
      const wrong = s.mode === '*' || isPlannedJob(s.mode) ? null : catalogue.modeProblem(s.modelId, s.mode);
      if (wrong) throw badRequest(`skills[${i}].mode: ${wrong}`);
    });
    this.#network.upsertTechnician(t);
    this.#sweepBacklog();
    return this.getTechnician(t.id);
  }
  saveDepot(d: Depot): Depot | undefined {
    this.#network.upsertDepot(d);
    return this.listDepots().find((x) => x.id === d.id);
  }
  saveInventory(i: InventoryInput): InventoryItem | undefined {
    this.#network.upsertInventory(i);
    this.#sweepBacklog();
    return this.listInventory(i)[0];
  }

  /** CSV import (all or nothing; see csv-import.ts for why); new technicians or stock may staff waiting jobs. */
  importCsv(kind: 'technicians' | 'inventory', text: string): ImportResult {
    const result = importCsv(kind, text, this.#stores, this.#clock.nowMs());
    if (result.committed) this.#sweepBacklog();
    return result;
  }
}
