import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceDomain, ServiceWorkOrder } from '../../service/index.ts';
import { dispatchRequest, HOUR, makeService, seedSmallNetwork } from './helpers.ts';

let current: ServiceDomain | null = null;
afterEach(() => {
  current?.stop();
  current = null;
});

describe('SLA watch', () => {
  it('marks each missed deadline once, at the deadline, without bumping the version', () => {
    const published: string[] = [];
    const ctx = makeService({
      publish: (topic, payload) => void published.push(`${topic} ${JSON.parse(payload).event}`),
    });
    current = ctx.service;
    const { service, bus, clock } = ctx;
    seedSmallNetwork(service);
    service.stores.notifier.addWebhook({
      url: 'http://127.0.0.1:9/crm',
      secret: 'crm-secret-0123456789',
      events: ['workOrder.slaBreached'],
    });
    const seen: ServiceWorkOrder[] = [];
    bus.on('workOrder', (w) => seen.push(w as ServiceWorkOrder));

    // Standard contract, high severity: on site within 24 h, resolved within 48 h.
    const late = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    // The second job is on site in time: only its resolution deadline can be missed.
    let onTime = service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1')).order;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      onTime = service.workOrders.transition(onTime.id, { to, version: onTime.version, actor: 't' });
    seen.length = 0;

    clock.advance(24 * HOUR);
    expect(service.workOrders.checkSla()).toEqual([]); // exactly at the deadline is still in time
    clock.advance(1);
    const [marked, ...others] = service.workOrders.checkSla();
    expect(others).toEqual([]);
    expect(marked).toMatchObject({
      id: late.id,
      slaRespondBreachedAtMs: late.slaRespondByMs,
      slaResolveBreachedAtMs: null,
      version: late.version,
    });
    expect(seen.map((w) => w.id)).toEqual([late.id]);
    expect(service.workOrders.checkSla()).toEqual([]); // once per deadline
    expect(service.workOrders.workOrderHistory(late.id).at(-1)).toMatchObject({
      actor: 'system:sla',
      note: expect.stringMatching(/response deadline/),
    });

    // The technician's next step still carries the version they read.
    const ack = service.workOrders.transition(late.id, { to: 'acknowledged', version: late.version, actor: 't' });
    expect(ack.slaRespondBreachedAtMs).toBe(late.slaRespondByMs);

    clock.advance(24 * HOUR);
    const both = service.workOrders.checkSla();
    expect(both.map((w) => [w.id, w.slaResolveBreachedAtMs])).toEqual([
      [late.id, late.slaResolveByMs],
      [onTime.id, onTime.slaResolveByMs],
    ]);
    expect(both.find((w) => w.id === onTime.id)!.slaRespondBreachedAtMs).toBeNull();
    expect(service.workOrders.checkSla()).toEqual([]);

    // CRM and the assigned technicians heard about each breach.
    const crm = service.stores.notifier
      .listDeliveries()
      .filter((d) => d.channel === 'webhook')
      .map((d) => d.event);
    expect(crm).toEqual(['workOrder.slaBreached', 'workOrder.slaBreached', 'workOrder.slaBreached']);
    const mqtt = service.stores.notifier
      .listDeliveries()
      .filter((d) => d.channel === 'mqtt' && d.event === 'workOrder.slaBreached')
      .map((d) => d.target)
      .sort();
    expect(mqtt).toEqual([
      'purna/v1/technicians/T-BDG-1/dispatch',
      'purna/v1/technicians/T-JKT-1/dispatch',
      'purna/v1/technicians/T-JKT-1/dispatch',
    ]);
  });

  it('leaves finished jobs alone', () => {
    const ctx = makeService();
    current = ctx.service;
    seedSmallNetwork(ctx.service);
    const wo = ctx.service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    ctx.service.workOrders.transition(wo.id, { to: 'cancelled', version: wo.version, actor: 'planner' });
    ctx.clock.advance(30 * 24 * HOUR);
    expect(ctx.service.workOrders.checkSla()).toEqual([]);
  });
});
