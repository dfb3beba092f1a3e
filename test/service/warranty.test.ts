// Warranty and contracts (issue 19, items 4 and 7): terms per model and tier, a claim made from a
// resolved covered job with its parts, labour and cause, moving submitted → approved | rejected;
// jobs not covered, or resolved with an excluded code, are not claimed.
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchRequest, HOUR } from './helpers.ts';
import { startPlannedServer, type PlannedServer } from './planned-helpers.ts';

let s: PlannedServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

const MINUTE = 60_000;

/** Runs a job to resolved: the technician on site, `onSiteMinutes` later resolved with `code`. */
async function resolveJob(p: PlannedServer, id: string, code: string, onSiteMinutes: number) {
  let wo = (await p.api(`work-orders/${id}`)).json.workOrder;
  for (const to of ['acknowledged', 'en_route', 'on_site'])
    wo = (await p.api(`work-orders/${id}/transitions`, { body: { to, version: wo.version } })).json.workOrder;
  p.clock.advance(onSiteMinutes * MINUTE);
  const r = await p.api(`work-orders/${id}/transitions`, {
    body: { to: 'resolved', version: wo.version, resolutionCode: code },
  });
  expect(r.status, r.json.message).toBe(200);
  return r.json.workOrder;
}

async function priceList(p: PlannedServer) {
  await p.api('billing/labour-rates/bearings', { method: 'PUT', body: { rateIdrPerHour: 185_000 } });
  await p.api('billing/parts/P200-BRG-KIT', { method: 'PUT', body: { priceIdr: 2_450_000 } });
}

describe('warranty claims', () => {
  it('claims a resolved job under warranty with its part, labour and cause; the claim moves once to its decision', async () => {
    s = await startPlannedServer();
    await priceList(s);
    const wo = s.service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    expect(wo.warrantyCovered).toBe(true);
    expect((await s.api(`work-orders/${wo.id}/claim`, { body: { cause: 'too early' } })).status).toBe(409);
    await resolveJob(s, wo.id, 'fault_confirmed_part_replaced', 150);
    const created = await s.api(`work-orders/${wo.id}/claim`, { body: { cause: 'bearing outer race spalled' } });
    expect(created.status).toBe(201);
    const claim = created.json.claim;
    expect(claim).toMatchObject({
      workOrderId: wo.id,
      coverage: 'warranty',
      status: 'submitted',
      cause: 'bearing outer race spalled',
      labourMinutes: 150,
      parts: [{ sku: 'P200-BRG-KIT', quantity: 1, unitPriceIdr: 2_450_000, amountIdr: 2_450_000 }],
      partsIdr: 2_450_000,
      labourIdr: 462_500, // 2 h 30 at Rp 185,000
      totalIdr: 2_912_500,
    });
    expect((await s.api(`work-orders/${wo.id}/claim`, { body: { cause: 'again' } })).status).toBe(409);
    const noReason = await s.api(`warranty/claims/${claim.id}/reject`, { body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.json.message).toMatch(/^note:/);
    const approved = await s.api(`warranty/claims/${claim.id}/approve`, { body: { note: 'ref MFR-2291' } });
    expect(approved.json.claim).toMatchObject({ status: 'approved', decisionNote: 'ref MFR-2291' });
    expect((await s.api(`warranty/claims/${claim.id}/reject`, { body: { note: 'late' } })).status).toBe(409);
    expect((await s.api('warranty/claims?status=approved')).json.claims.map((c: { id: string }) => c.id)).toEqual([
      claim.id,
    ]);
    expect((await s.api('warranty/claims?status=submitted')).json.claims).toEqual([]);
    expect((await s.api('warranty/claims?status=lost')).status).toBe(400);
  });

  it('a rejected claim keeps its reason; no claim for a no-fault visit or a device nothing covered', async () => {
    s = await startPlannedServer();
    await priceList(s);
    const nff = s.service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    await resolveJob(s, nff.id, 'no_fault_found', 30);
    const excluded = await s.api(`work-orders/${nff.id}/claim`, { body: { cause: 'nothing wrong' } });
    expect(excluded.status).toBe(409);
    expect(excluded.json.message).toMatch(/no_fault_found: excluded by the warranty terms/);

    const now = s.clock.nowMs();
    s.service.customers.registerDevices([
      {
        deviceId: 'old-pump',
        modelId: 'pump-p200',
        siteId: 'S-BDG',
        contractTier: 'basic',
        installDateMs: now - 4 * 365 * 24 * HOUR,
        warrantyEndMs: now - 2 * 365 * 24 * HOUR,
      },
    ]);
    const old = s.service.workOrders.handleDispatch(dispatchRequest('old-pump')).order;
    // A premium contract on the same model would still be running; basic buys response times only.
    expect((await s.api('devices/old-pump/coverage')).json.coverage).toMatchObject({ kind: 'none' });
    // The customer pays: their yes to the quote sends the technician.
    s.service.billing.decide(s.service.billing.quoteOf(old.id).id, 'approved', { by: 'planner:p', via: 'phone' });
    await resolveJob(s, old.id, 'fault_confirmed_part_replaced', 60);
    const uncovered = await s.api(`work-orders/${old.id}/claim`, { body: { cause: 'worn' } });
    expect(uncovered.status).toBe(409);
    expect(uncovered.json.message).toMatch(/not covered/);

    const bdg = s.service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1')).order;
    await resolveJob(s, bdg.id, 'fault_confirmed_part_replaced', 90);
    const claim = (await s.api(`work-orders/${bdg.id}/claim`, { body: { cause: 'contamination', labourMinutes: 45 } }))
      .json.claim;
    expect(claim.labourIdr).toBe(138_750);
    const rejected = await s.api(`warranty/claims/${claim.id}/reject`, {
      body: { note: 'seal damaged by the customer' },
    });
    expect(rejected.json.claim).toMatchObject({ status: 'rejected', decisionNote: 'seal damaged by the customer' });
  });

  it('terms per model and tier: a longer warranty for one model, a contract after it; bad terms are 400s', async () => {
    s = await startPlannedServer();
    const put = (path: string, body: object) => s!.api(path, { method: 'PUT', body });
    const premium = await put('warranty/terms/pump-p200/premium', {
      periodMonths: 24,
      partsCovered: true,
      labourCovered: true,
      exclusions: ['no_fault_found'],
    });
    expect(premium.status).toBe(200);
    expect(premium.json.terms).toMatchObject({ modelId: 'pump-p200', tier: 'premium', periodMonths: 24 });
    const terms = (await s.api('warranty/terms')).json.terms as { modelId: string; tier: string; updatedBy: string }[];
    expect(terms.find((t) => t.modelId === 'pump-p200' && t.tier === 'warranty')).toMatchObject({
      periodMonths: 24,
      updatedBy: 'default',
    });
    const now = s.clock.nowMs();
    s.service.customers.registerDevices([
      {
        deviceId: 'vip-pump',
        modelId: 'pump-p200',
        siteId: 'S-JKT',
        contractTier: 'premium',
        installDateMs: now - 3 * 365 * 24 * HOUR,
        warrantyEndMs: now - 365 * 24 * HOUR,
      },
    ]);
    expect((await s.api('devices/vip-pump/coverage')).json.coverage).toMatchObject({
      kind: 'contract',
      tier: 'premium',
      partsCovered: true,
    });
    expect(
      (
        await put('warranty/terms/pump-p200/gold', {
          periodMonths: 1,
          partsCovered: true,
          labourCovered: true,
          exclusions: [],
        })
      ).status,
    ).toBe(400);
    const bad = await put('warranty/terms/pump-p200/basic', {
      periodMonths: -1,
      partsCovered: true,
      labourCovered: true,
      exclusions: [],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/periodMonths/);
    expect(
      (
        await put('warranty/terms/pump-p200/basic', {
          periodMonths: 12,
          partsCovered: false,
          labourCovered: false,
          exclusions: ['lost'],
        })
      ).json.message,
    ).toMatch(/exclusions/);
    expect(
      (
        await put('warranty/terms/nope/basic', {
          periodMonths: 12,
          partsCovered: false,
          labourCovered: false,
          exclusions: [],
        })
      ).status,
    ).toBe(404);
  });
});
