import { afterEach, describe, expect, it } from 'vitest';
import type { ResolutionCode, ServiceDomain, ServiceWorkOrder } from '../../service/index.ts';
import { dispatchRequest, HOUR, makeService, MONDAY_9_WIB, seedSmallNetwork } from './helpers.ts';

const DAY = 24 * HOUR;
const t0 = MONDAY_9_WIB;

let current: ServiceDomain | null = null;
afterEach(() => {
  current?.stop();
  current = null;
});

function setup() {
  const ctx = makeService();
  current = ctx.service;
  seedSmallNetwork(ctx.service);
  return ctx;
}

describe('customer survey', () => {
  it('issues a one-time link on resolution that works exactly once', () => {
    const { service, clock } = setup();
    const requested: unknown[] = [];
    service.stores.notifier.addWebhook({
      url: 'http://127.0.0.1:9/crm',
      secret: 'a-long-enough-secret',
      events: ['survey.requested'],
    });
    let wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      wo = service.workOrders.transition(wo.id, { to, version: wo.version, actor: 't' });
    service.workOrders.transition(wo.id, {
      to: 'resolved',
      resolutionCode: 'no_fault_found',
      version: wo.version,
      actor: 't',
    });
    const queued = service.stores.notifier.listDeliveries().filter((d) => d.event === 'survey.requested');
    requested.push(...queued);
    expect(requested).toHaveLength(1);
    expect(service.customers.surveyOf(wo.id)).toMatchObject({ answeredAtMs: null });

    const { token, url } = service.customers.issueSurvey(wo.id); // a re-send: the first link dies
    expect(url).toBe(`/api/surveys/${token}`);
    expect(service.customers.openSurvey(token).workOrder.id).toBe(wo.id);
    expect(() => service.customers.answerSurvey(token, { csat: 6, nps: 5 })).toThrow(
      expect.objectContaining({ statusCode: 400 }),
    );
    clock.advance(HOUR);
    const answered = service.customers.answerSurvey(token, { csat: 4, nps: 9, comment: 'Teknisi datang tepat waktu' });
    expect(answered).toMatchObject({
      csat: 4,
      nps: 9,
      comment: 'Teknisi datang tepat waktu',
      answeredAtMs: clock.nowMs(),
    });
    expect(() => service.customers.answerSurvey(token, { csat: 1, nps: 0 })).toThrow(
      expect.objectContaining({ statusCode: 410 }),
    );
    expect(() => service.customers.openSurvey(token)).toThrow(expect.objectContaining({ statusCode: 410 }));
    expect(() => service.customers.openSurvey('not-a-token')).toThrow(expect.objectContaining({ statusCode: 404 }));
    expect(service.customers.surveyOf(wo.id)).toMatchObject({ csat: 4, nps: 9 });
  });
});

describe('KPIs from a known history', () => {
  it('match hand-computed values', () => {
    const { service, clock } = setup();
    service.customers.registerDevices([{ deviceId: 'comp-bdg-1', modelId: 'compressor-c75', siteId: 'S-BDG' }]);
    const at = (ms: number) => clock.set(ms);
    const step = (wo: ServiceWorkOrder, to: 'acknowledged' | 'en_route' | 'on_site' | 'cancelled', atMs: number) => {
      at(atMs);
      return service.workOrders.transition(wo.id, { to, version: wo.version, actor: 't' });
    };
    const resolve = (wo: ServiceWorkOrder, code: ResolutionCode, atMs: number) => {
      at(atMs);
      return service.workOrders.transition(wo.id, {
        to: 'resolved',
        resolutionCode: code,
        version: wo.version,
        actor: 't',
      });
    };
    const visit = (wo: ServiceWorkOrder, onSiteMs: number) =>
      step(step(step(wo, 'acknowledged', onSiteMs), 'en_route', onSiteMs), 'on_site', onSiteMs);

    // WO1: forecast failure in 48 h, on site after 2 h, part replaced after 3 h → prevented, SLA met.
    at(t0);
    const wo1 = resolve(
      visit(
        service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1', 'bearing_wear', t0 + 48 * HOUR)).order,
        t0 + 2 * HOUR,
      ),
      'fault_confirmed_part_replaced',
      t0 + 3 * HOUR,
    );
    // WO2: forecast in 10 h → critical (standard: 8 h / 24 h); on site after 12 h (breach), fixed without a part after 13 h → not prevented.
    at(t0 + 1 * HOUR);
    const wo2 = resolve(
      visit(
        service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1', 'bearing_wear', t0 + 11 * HOUR)).order,
        t0 + 13 * HOUR,
      ),
      'fault_confirmed_no_part',
      t0 + 14 * HOUR,
    );
    // WO3: no forecast, high (24 h / 48 h); no fan assembly stocked (stock-out); on site after 2 h, no fault found after 3 h.
    at(t0 + 2 * HOUR);
    const wo3 = resolve(
      visit(service.workOrders.handleDispatch(dispatchRequest('pump-jkt-2', 'cooling_failure')).order, t0 + 4 * HOUR),
      'no_fault_found',
      t0 + 5 * HOUR,
    );
    // WO5: a compressor bearing job: no C75 kit anywhere (stock-out); still assigned long past its deadline.
    at(t0 + 3 * HOUR);
    const wo5 = service.workOrders.handleDispatch(dispatchRequest('comp-bdg-1')).order;
    expect(wo5.partStatus).toBe('backorder');
    // WO4: the same pump and mode as WO1 again 10 days later (so WO1 was not a first-time fix), cancelled.
    at(t0 + 10 * DAY);
    const wo4 = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1', 'bearing_wear')).order;
    step(wo4, 'cancelled', t0 + 10 * DAY + HOUR);

    // Surveys answered on day 6.
    at(t0 + 6 * DAY);
    for (const [wo, csat, nps] of [
      [wo1, 5, 10],
      [wo2, 2, 3],
      [wo3, 4, 8],
    ] as const) {
      service.customers.answerSurvey(service.customers.issueSurvey(wo.id).token, { csat, nps });
    }

    at(t0 + 20 * DAY);
    const k = service.kpis.kpis(t0, t0 + 30 * DAY);
    expect(k.workOrders).toEqual({ created: 5, resolved: 3, cancelled: 1, active: 1 });
    expect(k.failuresPrevented).toBe(1);
    expect(k.failuresNotPrevented).toBe(1);
    expect(k.meanTimeToRespondMs).toBeCloseTo(((2 + 12 + 2) / 3) * HOUR, 6);
    expect(k.meanTimeToResolveMs).toBeCloseTo(((3 + 13 + 3) / 3) * HOUR, 6);
    expect(k.slaCompliancePct).toBe(50); // WO1, WO3 met; WO2 late on site; WO5 overdue
    expect(k.firstTimeFixRatePct).toBe(50); // WO2 held; WO1 came back
    expect(k.noFaultFoundRatePct).toBeCloseTo(100 / 3, 9);
    expect(k.partsStockOuts).toBe(2); // no P200 fan assembly for WO3, no C75 bearing kit for WO5
    expect(k.csatAverage).toBeCloseTo(11 / 3, 9);
    expect(k.nps).toBe(0); // one promoter, one detractor, one passive
    expect(k.surveysAnswered).toBe(3);
    expect(k.failureRateByModel[0]).toEqual({
      modelId: 'pump-p200',
      devices: 3,
      confirmedFailures: 2,
      failuresPerDevice: 2 / 3,
      failuresPerDeviceYear: 2 / 3 / (30 / 365),
    });
    expect(k.failureRateByModel.find((m) => m.modelId === 'compressor-c75')).toMatchObject({
      devices: 1,
      confirmedFailures: 0,
    });

    // A period before anything happened is empty, not NaN.
    const empty = service.kpis.kpis(t0 - 30 * DAY, t0);
    expect(empty).toMatchObject({
      workOrders: { created: 0 },
      meanTimeToRespondMs: null,
      slaCompliancePct: null,
      csatAverage: null,
      nps: null,
    });
  });
});
