// Paid work (issue 19, item 5). A repair the warranty does not cover, or a contract covers only in
// part, is quoted when the job opens — the model's parts for the failure mode at the price list's
// prices, its repair hours at the skill's labour rate, less what the contract covers — and the job
// waits, undispatched, until the customer approves (on the tracking page, or by phone to the
// planner). Approved: the amount is on the job and it is dispatched. Declined: the job is
// cancelled with the reason. The planner may revise a pending quote's lines (a part the price
// list lacks, an extra hour). Until a labour rate is set, Purna charges nothing (no quotes): the
// service company has not told it its prices.

import { isFailureJob } from '../../core/job-types.ts';
import { partsFor } from '../../core/product-catalogue.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import { conflict, requireFound, type ServiceWorkOrder } from '../types.ts';
import type { WorkOrderCommands } from '../work-orders/commands.ts';
import { labourAmount, lineAmount, requireRupiah, sumRupiah } from './money.ts';
import { tellQuote } from './quote-notice.ts';
import type { DecidedVia, Quote, QuoteLine } from './store.ts';

/** Repair time quoted for a mode the catalogue gives none (a built-in one: a sensor swap, an unknown anomaly's look), hours. */
const DEFAULT_REPAIR_HOURS = 2;
const SYSTEM = 'system:billing';

/** A line as the planner writes it: the amount is computed. */
export type QuoteLineInput = Omit<QuoteLine, 'amountIdr' | 'priced'>;

export class Quotes {
  readonly #s: ServiceStores;
  readonly #whatsappTemplate: string;

  /** `whatsappTemplate`: the approved template of the quote_ready notice. */
  constructor(stores: ServiceStores, whatsappTemplate: string) {
    this.#s = stores;
    this.#whatsappTemplate = whatsappTemplate;
  }

  /** When a repair opens (inside its transaction, before it is planned): quote what the customer would pay. */
  readonly onOpened = (wo: ServiceWorkOrder, nowMs: number): void => {
    const { registry, catalogue, terms, billing, orders } = this.#s;
    if (!isFailureJob(wo.jobType) || !billing.charges()) return;
    const device = registry.getDevice(wo.deviceId);
    const model = device ? catalogue.current(device.modelId) : undefined;
    if (!device || !model) return;
    const coverage = terms.coverageAt(device, nowMs);
    if (coverage.kind === 'warranty' || (coverage.partsCovered && coverage.labourCovered)) return;
    const lines: QuoteLine[] = [];
    if (!coverage.partsCovered)
      for (const p of partsFor(model, wo.mode)) {
        const price = billing.partPrice(p.sku);
        lines.push({
          kind: 'part',
          description: p.name,
          sku: p.sku,
          quantity: p.quantity,
          unitPriceIdr: price ?? 0,
          amountIdr: lineAmount(price ?? 0, p.quantity),
          priced: price !== undefined,
        });
      }
    if (!coverage.labourCovered) {
      const mode = model.failureModes.find((f) => f.id === wo.mode);
      const minutes = Math.round((mode?.repairHours ?? DEFAULT_REPAIR_HOURS) * 60);
      const rate = billing.labourRate(mode?.skill);
      lines.push({
        kind: 'labour',
        description: `Labour: ${mode?.name ?? wo.mode.replaceAll('_', ' ')}`,
        minutes,
        unitPriceIdr: rate ?? 0,
        amountIdr: labourAmount(rate ?? 0, minutes),
        priced: rate !== undefined,
      });
    }
    if (!lines.length) return;
    const quote = billing.insertQuote({
      workOrderId: wo.id,
      coverage: coverage.kind === 'contract' ? 'contract' : 'none',
      lines,
      totalIdr: sumRupiah(lines.map((l) => l.amountIdr)),
      createdBy: SYSTEM,
      createdAtMs: nowMs,
    });
    tellQuote(this.#s, wo, quote, this.#whatsappTemplate, nowMs);
    orders.addNote(
      wo.id,
      SYSTEM,
      nowMs,
      `quote ${quote.id}: Rp ${quote.totalIdr} to pay (${coverage.kind === 'contract' ? `the ${coverage.tier} contract covers ${coverage.partsCovered ? 'parts' : 'labour'}` : 'out of warranty'}); waits for the customer's approval before dispatch`,
    );
  };

  /** The job's current quote (the newest); 404 when it has none. */
  quoteOf(workOrderId: string): Quote {
    const { orders, billing } = this.#s;
    const wo = orders.require(workOrderId);
    return requireFound(billing.quotesOf(wo.id)[0], 'quote of work order', wo.id);
  }

  get(id: string): Quote {
    return requireFound(this.#s.billing.quote(id), 'quote', id);
  }

  /** Replaces a pending quote's lines (amounts computed, each exact; the total their sum). */
  revise(id: string, input: readonly QuoteLineInput[], nowMs: number): Quote {
    const { db, billing } = this.#s;
    return inTransaction(db, () => {
      const q = this.#pending(id);
      const lines = input.map((l, i) => priced(l, i));
      billing.revise(q.id, lines, sumRupiah(lines.map((l) => l.amountIdr)), nowMs);
      return billing.quote(q.id)!;
    });
  }

  /**
   * The customer's answer (on the tracking page, or given to the planner by phone): approved, the
   * amount goes on the job and it is dispatched; declined, the job is cancelled. 409 unless pending.
   */
  decide(
    commands: WorkOrderCommands,
    id: string,
    decision: 'approved' | 'declined',
    opts: { by: string; via: DecidedVia; note?: string },
    nowMs: number,
  ): { quote: Quote; workOrder: ServiceWorkOrder } {
    const { db, billing, orders } = this.#s;
    const q = inTransaction(db, () => {
      const pending = this.#pending(id);
      if (decision === 'approved' && pending.lines.some((l) => !l.priced))
        throw conflict(`quote ${id} has lines without a price: revise it before the customer approves`);
      billing.decide(pending.id, decision, opts.by, opts.via, opts.note ?? null, nowMs);
      const how = `${decision} by ${opts.by} (${opts.via})${opts.note ? `: ${opts.note}` : ''}`;
      if (decision === 'approved')
        orders.patch(
          pending.workOrderId,
          { approved_amount_idr: pending.totalIdr },
          { actor: opts.by, nowMs, note: `quote ${pending.id} for Rp ${pending.totalIdr} ${how}` },
        );
      return billing.quote(pending.id)!;
    });
    const workOrder =
      decision === 'approved'
        ? commands.dispatch(q.workOrderId, { actor: SYSTEM })
        : commands.transition(q.workOrderId, {
            to: 'cancelled',
            actor: opts.by,
            note: `quote ${q.id} declined (${opts.via})${opts.note ? `: ${opts.note}` : ''}`,
          });
    return { quote: q, workOrder };
  }

  #pending(id: string): Quote {
    const q = this.get(id);
    if (q.status !== 'pending') throw conflict(`quote ${id} is ${q.status}: only a pending quote can change`);
    const wo = this.#s.orders.require(q.workOrderId);
    if (wo.state !== 'open') throw conflict(`work order ${wo.id} is ${wo.state}: its quote can no longer change`);
    return q;
  }
}

/** A line with its amount: parts and others unit × quantity, labour rate × minutes (rounded once, half up). */
function priced(l: QuoteLineInput, i: number): QuoteLine {
  requireRupiah('quote line', { [`lines[${i}].unitPriceIdr`]: l.unitPriceIdr });
  const field = `lines[${i}].amountIdr`;
  if (l.kind === 'labour') {
    const minutes = l.minutes ?? 0;
    return { ...l, minutes, amountIdr: labourAmount(l.unitPriceIdr, minutes, field), priced: true };
  }
  const quantity = l.quantity ?? 1;
  return { ...l, quantity, amountIdr: lineAmount(l.unitPriceIdr, quantity, field), priced: true };
}
