// The billing room as callers see it (`service.billing`): the price list (parts, labour rates),
// quotes for paid work and the customer's decision on them. The customers' tracking page calls
// `currentQuote(workOrderId)` (its API `quoteOf`) and `decide(quoteId, 'approved' | 'declined', { via: 'tracking', by })`.

import type { Clock } from '../../core/clock.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import type { ServiceWorkOrder } from '../types.ts';
import type { WorkOrderCommands } from '../work-orders/commands.ts';
import { requireRupiah, type Rupiah } from './money.ts';
import type { QuoteLineInput, Quotes } from './quotes.ts';
import type { DecidedVia, PriceEntry, Quote } from './store.ts';

export class BillingRoom {
  readonly #stores: ServiceStores;
  readonly #quotes: Quotes;
  readonly #commands: WorkOrderCommands;
  readonly #clock: Clock;

  constructor(stores: ServiceStores, quotes: Quotes, commands: WorkOrderCommands, clock: Clock) {
    this.#stores = stores;
    this.#quotes = quotes;
    this.#commands = commands;
    this.#clock = clock;
  }

  listPartPrices(): PriceEntry[] {
    return this.#stores.billing.listPartPrices();
  }
  /** A part's price, whole rupiah (400 naming priceIdr otherwise). */
  setPartPrice(sku: string, priceIdr: Rupiah, by: string): PriceEntry {
    requireRupiah('part price', { priceIdr });
    inTransaction(this.#stores.db, () => this.#stores.billing.setPartPrice(sku, priceIdr, by, this.#clock.nowMs()));
    return this.listPartPrices().find((p) => p.key === sku)!;
  }
  listLabourRates(): PriceEntry[] {
    return this.#stores.billing.listLabourRates();
  }
  /** The hourly labour rate of a skill ('*': any skill without its own), whole rupiah. */
  setLabourRate(skill: string, rateIdrPerHour: Rupiah, by: string): PriceEntry {
    requireRupiah('labour rate', { rateIdrPerHour });
    inTransaction(this.#stores.db, () =>
      this.#stores.billing.setLabourRate(skill, rateIdrPerHour, by, this.#clock.nowMs()),
    );
    return this.listLabourRates().find((p) => p.key === skill)!;
  }
  /** The job's current quote (404: none). */
  quoteOf(workOrderId: string): Quote {
    return this.#quotes.quoteOf(workOrderId);
  }
  /** The job's current quote, or null when it has none (the tracking page asks for every job). */
  currentQuote(workOrderId: string): Quote | null {
    return this.#stores.billing.quotesOf(workOrderId)[0] ?? null;
  }
  getQuote(id: string): Quote {
    return this.#quotes.get(id);
  }
  /** The planner revises a pending quote's lines. */
  reviseQuote(id: string, lines: readonly QuoteLineInput[]): Quote {
    return this.#quotes.revise(id, lines, this.#clock.nowMs());
  }
  /** The customer's answer: approved (the job is dispatched) or declined (it is cancelled). */
  decide(
    id: string,
    decision: 'approved' | 'declined',
    opts: { by: string; via: DecidedVia; note?: string },
  ): { quote: Quote; workOrder: ServiceWorkOrder } {
    return this.#quotes.decide(this.#commands, id, decision, opts, this.#clock.nowMs());
  }
}
