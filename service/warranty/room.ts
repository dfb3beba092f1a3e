// The warranty room as callers see it (`service.warranty`): terms per model and tier, what covers
// a device now, claims and their decisions.

import type { Clock } from '../../core/clock.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import { notFound, requireFound } from '../types.ts';
import type { ClaimInput, ClaimStatus, Claims, WarrantyClaim } from './claims.ts';
import type { CoverageReminders, ReminderSent } from './reminders.ts';
import type { Coverage, CoverageTerms, TermsInput, TermsTier } from './terms.ts';

export class WarrantyRoom {
  readonly #stores: ServiceStores;
  readonly #claims: Claims;
  readonly #reminders: CoverageReminders;
  readonly #clock: Clock;

  constructor(stores: ServiceStores, claims: Claims, reminders: CoverageReminders, clock: Clock) {
    this.#stores = stores;
    this.#claims = claims;
    this.#reminders = reminders;
    this.#clock = clock;
  }

  /** Tells the customers whose warranty or contract ends within a month (once per device, kind and end); runs every hour by itself. */
  remindCoverageEnding(): ReminderSent[] {
    return this.#reminders.run(this.#clock.nowMs());
  }

  /** The terms in force for every catalogue model and tier (stored or Purna's default), and the '*' rows. */
  listTerms(): CoverageTerms[] {
    return this.#stores.terms.list(this.#stores.catalogue.list().map((m) => m.id));
  }
  saveTerms(modelId: string, tier: TermsTier, input: TermsInput, by: string): CoverageTerms {
    if (modelId !== '*' && !this.#stores.catalogue.current(modelId)) throw notFound('product model', modelId);
    return inTransaction(this.#stores.db, () => this.#stores.terms.save(modelId, tier, input, by, this.#clock.nowMs()));
  }
  /** What covers the device now (warranty, contract or nothing) and until when. */
  coverageOf(deviceId: string): Coverage {
    const device = requireFound(this.#stores.registry.getDevice(deviceId), 'device', deviceId);
    return this.#stores.terms.coverageAt(device, this.#clock.nowMs());
  }
  createClaim(workOrderId: string, input: ClaimInput, by: string): WarrantyClaim {
    return this.#claims.create(workOrderId, input, by, this.#clock.nowMs());
  }
  listClaims(filter: { status?: ClaimStatus } = {}): WarrantyClaim[] {
    return this.#claims.list(filter);
  }
  getClaim(id: string): WarrantyClaim {
    return this.#claims.get(id);
  }
  decideClaim(id: string, status: 'approved' | 'rejected', by: string, note?: string): WarrantyClaim {
    return this.#claims.decide(id, status, by, note, this.#clock.nowMs());
  }
}
