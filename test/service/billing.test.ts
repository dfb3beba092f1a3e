// Paid service in rupiah (issue 19, items 5 and 7): an out-of-warranty repair is quoted from the
// price list and waits, undispatched, for the customer's approval; a contract's cover comes off
// the quote; money is whole rupiah, exact over thousands of lines; bad prices are 400s naming the field.
import { afterEach, describe, expect, it } from 'vitest';
import { formatIdr } from '../../core/i18n/format.ts';
import { dispatchRequest, HOUR } from './helpers.ts';
import { startPlannedServer, type PlannedServer } from './planned-helpers.ts';

let s: PlannedServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

const DAY = 24 * HOUR;

async function priceList(p: PlannedServer): Promise<void> {
  for (const [path, body] of [
    ['billing/labour-rates/*', { rateIdrPerHour: 150_000 }],
    ['billing/labour-rates/bearings', { rateIdrPerHour: 185_000 }],
    ['billing/parts/P200-BRG-KIT', { priceIdr: 2_450_000 }],
  ] as const)
    expect((await p.api(path, { method: 'PUT', body })).status).toBe(200);
}

function registerOld(
  p: PlannedServer,
  deviceId: string,
  contractTier: 'basic' | 'standard' | 'premium',
  endedDaysAgo: number,
) {
  const now = p.clock.nowMs();
  p.service.customers.registerDevices([
    {
      deviceId,
      modelId: 'pump-p200',
      siteId: 'S-JKT',
      contractTier,
      installDateMs: now - 3 * 365 * DAY,
      warrantyEndMs: now - endedDaysAgo * DAY,
    },
  ]);
}

describe('quotes for paid work', () => {
  it('an out-of-warranty repair waits for the customer to approve its quote, then is dispatched', async () => {
    s = await startPlannedServer();
    await priceList(s);
    registerOld(s, 'old-pump', 'basic', 400);
    const wo = s.service.workOrders.handleDispatch(dispatchRequest('old-pump')).order;
    expect(wo).toMatchObject({
      state: 'open',
      technicianId: null,
      warrantyCovered: false,
      approvedAmountIdr: null,
      awaitingApprovalIdr: 3_190_000,
    });
    const quote = (await s.api(`work-orders/${wo.id}/quote`)).json.quote;
    expect(quote).toMatchObject({ status: 'pending', coverage: 'none', totalIdr: 3_190_000 });
    expect(quote.lines.map((l: { kind: string; amountIdr: number }) => [l.kind, l.amountIdr])).toEqual([
      ['part', 2_450_000],
      ['labour', 740_000], // bearing wear: 4 h at the bearings rate
    ]);
    expect(formatIdr(quote.totalIdr)).toMatch(/^Rp\s3\.190\.000$/u);

    // Nobody goes before the customer says yes: not the dispatcher, not the backlog, not a planner.
    const early = await s.api(`work-orders/${wo.id}/dispatch`, { body: { version: wo.version } });
    expect(early.status).toBe(409);
    expect(early.json.message).toMatch(/waits for the customer's approval/);
    const assign = await s.api(`work-orders/${wo.id}/transitions`, {
      body: { to: 'assigned', version: wo.version, technicianId: 'T-JKT-1' },
    });
    expect(assign.status).toBe(409);
    s.service.workOrders.sweepBacklog();
    expect(s.service.workOrders.getWorkOrder(wo.id)).toMatchObject({
      state: 'open',
      technicianId: null,
      partStatus: 'none',
    });

    const approved = await s.api(`quotes/${quote.id}/approve`, { body: { via: 'phone', note: 'Pak Hendra by phone' } });
    expect(approved.status).toBe(200);
    expect(approved.json.quote).toMatchObject({ status: 'approved', decidedVia: 'phone' });
    expect(approved.json.workOrder).toMatchObject({
      state: 'assigned',
      technicianId: 'T-JKT-1',
      approvedAmountIdr: 3_190_000,
      awaitingApprovalIdr: null,
      partStatus: 'reserved',
    });
    expect((await s.api(`quotes/${quote.id}/approve`, { body: {} })).status).toBe(409);
  });

  it('a declined quote cancels the job; a contract that covers labour leaves only the parts to pay', async () => {
    s = await startPlannedServer();
    await priceList(s);
    registerOld(s, 'old-pump', 'basic', 400);
    const wo = s.service.workOrders.handleDispatch(dispatchRequest('old-pump')).order;
    const quote = s.service.billing.quoteOf(wo.id);
    const declined = s.service.billing.decide(quote.id, 'declined', { by: 'contact:CON-1', via: 'tracking' });
    expect(declined.workOrder.state).toBe('cancelled');
    expect(s.service.workOrders.workOrderHistory(wo.id).at(-1)?.note).toMatch(/quote Q-\d+ declined \(tracking\)/);

    // Standard: a year of labour after the warranty ended 30 days ago; the part is the customer's.
    registerOld(s, 'standard-pump', 'standard', 30);
    const covered = s.service.workOrders.handleDispatch(dispatchRequest('standard-pump')).order;
    const partsOnly = s.service.billing.quoteOf(covered.id);
    expect(partsOnly).toMatchObject({ coverage: 'contract', totalIdr: 2_450_000 });
    expect(partsOnly.lines.map((l) => l.kind)).toEqual(['part']);
    // In warranty: nothing to quote, dispatched at once.
    const inWarranty = s.service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1')).order;
    expect(inWarranty.state).toBe('assigned');
    expect((await s.api(`work-orders/${inWarranty.id}/quote`)).status).toBe(404);
  });

  it('never loses a rupiah: 5,000 lines add up exactly; labour rounds once per line', async () => {
    s = await startPlannedServer();
    await priceList(s);
    registerOld(s, 'old-pump', 'basic', 400);
    const wo = s.service.workOrders.handleDispatch(dispatchRequest('old-pump')).order;
    const quote = s.service.billing.quoteOf(wo.id);
    const lines = Array.from({ length: 5000 }, (_, i) =>
      i % 2
        ? { kind: 'part', description: `Seal ${i}`, sku: 'P200-SEAL', quantity: 3, unitPriceIdr: 1_999 }
        : { kind: 'labour', description: `Labour ${i}`, minutes: 7, unitPriceIdr: 85_001 },
    );
    const revised = await s.api(`quotes/${quote.id}`, { method: 'PUT', body: { lines } });
    expect(revised.status).toBe(200);
    const q = revised.json.quote;
    // 7 minutes at Rp 85,001/h is Rp 9,916.78: Rp 9,917 on its line.
    expect(q.lines[0].amountIdr).toBe(9_917);
    expect(q.lines[1].amountIdr).toBe(5_997);
    let sum = 0n;
    for (const l of q.lines) sum += BigInt(l.amountIdr);
    expect(BigInt(q.totalIdr)).toBe(sum);
    expect(q.totalIdr).toBe(2500 * 9_917 + 2500 * 5_997);
    // Summing the unrounded labour in floats would have billed Rp 39,784,458.33…, a rupiah nobody can pay.
    expect(q.totalIdr).toBe(39_785_000);
    expect(s.service.billing.quoteOf(wo.id).totalIdr).toBe(39_785_000);
  });

  it('a negative, fractional or too large amount is a 400 naming the field', async () => {
    s = await startPlannedServer();
    const cases: [string, object, RegExp][] = [
      ['billing/parts/P200-BRG-KIT', { priceIdr: -1 }, /priceIdr/],
      ['billing/parts/P200-BRG-KIT', { priceIdr: 1500.5 }, /priceIdr/],
      ['billing/parts/P200-BRG-KIT', { priceIdr: '1.500' }, /priceIdr/],
      ['billing/labour-rates/*', { rateIdrPerHour: -150_000 }, /rateIdrPerHour/],
    ];
    for (const [path, body, field] of cases) {
      const r = await s.api(path, { method: 'PUT', body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.message).toMatch(field);
    }
    await priceList(s);
    registerOld(s, 'old-pump', 'basic', 400);
    const quote = s.service.billing.quoteOf(s.service.workOrders.handleDispatch(dispatchRequest('old-pump')).order.id);
    const negative = await s.api(`quotes/${quote.id}`, {
      method: 'PUT',
      body: { lines: [{ kind: 'part', description: 'Kit', quantity: 1, unitPriceIdr: -5 }] },
    });
    expect(negative.status).toBe(400);
    expect(negative.json.message).toMatch(/lines\/0\/unitPriceIdr/);
    const huge = await s.api(`quotes/${quote.id}`, {
      method: 'PUT',
      body: { lines: [{ kind: 'part', description: 'Kit', quantity: 2, unitPriceIdr: Number.MAX_SAFE_INTEGER }] },
    });
    expect(huge.status).toBe(400);
    expect(huge.json.message).toMatch(/lines\[0\]\.amountIdr exceeds/);
  });
});

describe('the quote on the tracking link', () => {
  it('the customer hears of the quote with their link, sees it and approves it there; then the technician goes', async () => {
    s = await startPlannedServer({ linkKey: Buffer.alloc(32, 7) });
    await priceList(s);
    s.service.customers.saveContact('K-JKT', {
      customerId: 'C1',
      siteId: 'S-JKT',
      name: 'Dewi',
      email: 'dewi@tirta.test',
      language: 'id',
    });
    registerOld(s, 'old-pump', 'basic', 400);
    const wo = s.service.workOrders.handleDispatch(dispatchRequest('old-pump')).order;
    // The notice went into the outbox with the contact's tracking link (no e-mail configured here: recorded, not sent).
    const notice = s.service.notifications.workOrderMessages(wo.id).find((m) => m.notice === 'quote_ready')!;
    expect(notice.subject).toMatch(new RegExp(`^${wo.id}: penawaran Rp\\s3\\.190\\.000 untuk`, 'u'));
    const token = s.service.stores.links.tokenOf(s.service.stores.links.forWorkOrder(wo.id)[0].id);
    const seen = await s.api(`track/${token}/quote`);
    expect(seen.status).toBe(200);
    expect(seen.json.quote).toMatchObject({ status: 'pending', totalIdr: 3_190_000 });
    expect((await s.api(`track/${'x'.repeat(43)}/quote`)).status).toBe(404);
    const yes = await s.api(`track/${token}/quote`, { body: { decision: 'approve' } });
    expect(yes.status).toBe(200);
    expect(yes.json).toMatchObject({ quote: { status: 'approved', decidedVia: 'tracking' }, state: 'assigned' });
    expect((await s.api(`track/${token}/quote`, { body: { decision: 'decline' } })).status).toBe(409);
    expect(s.service.workOrders.getWorkOrder(wo.id)?.approvedAmountIdr).toBe(3_190_000);
  });
});
