import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceDomain } from '../../service/index.ts';
import { signPayload } from '../../service/notifications/notifier.ts';
import { dispatchRequest, makeService, seedSmallNetwork } from './helpers.ts';

const SECRET = 'test-secret-0123456789abcdef';

let service: ServiceDomain | null = null;
let server: Server | null = null;
afterEach(async () => {
  service?.stop();
  service = null;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A CRM stand-in on a free loopback port that answers 500 to its first `failures` requests. */
async function receiver(failures: number) {
  const received: { headers: IncomingHttpHeaders; body: string; answered: number }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const answered = received.length < failures ? 500 : 204;
      received.push({ headers: req.headers, body, answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/purna`, received };
}

describe('webhooks', () => {
  it('a receiver that fails twice then succeeds gets the event exactly once more, signed, with backoff', async () => {
    const crm = await receiver(2);
    const ctx = makeService({
      webhooks: [{ url: crm.url, secret: SECRET, events: ['workOrder.open'] }],
      notifier: { pollIntervalMs: 0, baseRetryDelayMs: 1000 },
    });
    service = ctx.service;
    seedSmallNetwork(service);
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const n = service.stores.notifier;

    await n.processDue();
    expect(crm.received).toHaveLength(1);
    await n.processDue(); // not due yet: backoff 1 s
    expect(crm.received).toHaveLength(1);
    ctx.clock.advance(1000);
    await n.processDue();
    expect(crm.received).toHaveLength(2);
    ctx.clock.advance(1999); // second backoff is 2 s
    await n.processDue();
    expect(crm.received).toHaveLength(2);
    ctx.clock.advance(1);
    expect(await n.processDue()).toBe(1);
    expect(crm.received).toHaveLength(3);
    for (let i = 0; i < 5; i++) {
      ctx.clock.advance(3600_000);
      await n.processDue();
    }
    expect(crm.received).toHaveLength(3);
    expect(crm.received.filter((r) => r.answered === 204)).toHaveLength(1);

    // The same delivery each time, signed over timestamp + body with the shared secret.
    const ids = new Set(crm.received.map((r) => r.headers['x-purna-delivery']));
    expect(ids.size).toBe(1);
    for (const r of crm.received) {
      expect(r.headers['x-purna-signature']).toBe(signPayload(SECRET, Number(r.headers['x-purna-timestamp']), r.body));
      expect(JSON.parse(r.body)).toMatchObject({
        event: 'workOrder.open',
        data: { id: wo.id, deviceId: 'pump-jkt-1' },
      });
    }
    const [delivery] = n.listDeliveries();
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 204 });
    expect(n.deliveryAttempts(delivery.id).map((a) => [a.status, a.ok])).toEqual([
      [500, false],
      [500, false],
      [204, true],
    ]);
  });

  it('keeps retrying an unreachable receiver instead of dropping the event', async () => {
    const ctx = makeService({
      webhooks: [{ url: 'http://127.0.0.1:9/unreachable', secret: SECRET, events: ['*'] }],
      notifier: { pollIntervalMs: 0, baseRetryDelayMs: 1000, maxRetryDelayMs: 8000 },
    });
    service = ctx.service;
    seedSmallNetwork(service);
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    const attemptsPerPass: number[] = [];
    for (let i = 0; i < 16; i++) {
      const before = totalAttempts(service);
      await service.stores.notifier.processDue();
      attemptsPerPass.push(totalAttempts(service) - before);
      ctx.clock.advance(8000);
    }
    // A receiver that is down is tried once per pass, not once per queued event.
    expect(attemptsPerPass).toEqual(Array(16).fill(1));
    const deliveries = service.stores.notifier.listDeliveries();
    expect(deliveries.length).toBe(2); // workOrder.open and workOrder.assigned
    for (const d of deliveries) {
      expect(d.state).toBe('pending');
      expect(d.attempts).toBe(8);
      expect(d.lastError).toBeTruthy();
    }
  });

  it("a CRM that hangs does not hold back the technician's MQTT dispatch", async () => {
    let releaseCrm!: () => void;
    const crmReleased = new Promise<void>((resolve) => (releaseCrm = resolve));
    const requests: string[] = [];
    server = createServer((req, res) => {
      requests.push(req.headers['x-purna-event'] as string);
      // Answers only once the technician's message went out: delivered one after the other, the
      // MQTT publish would wait for this response, which would wait for the publish (until the
      // request timeout, far beyond the test's).
      void crmReleased.then(() => {
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm`;
    const crmPendingAtPublish: number[] = [];
    const ctx = makeService({
      webhooks: [{ url, secret: SECRET, events: ['workOrder.assigned'] }],
      publish: () => {
        crmPendingAtPublish.push(requests.length);
        releaseCrm();
      },
      notifier: { pollIntervalMs: 0, requestTimeoutMs: 60_000 },
    });
    service = ctx.service;
    seedSmallNetwork(service);
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    expect(await service.stores.notifier.processDue()).toBe(2);
    expect(crmPendingAtPublish.length).toBe(1);
    expect(requests).toEqual(['workOrder.assigned']);
    expect(service.stores.notifier.listDeliveries().map((d) => [d.channel, d.state])).toEqual([
      ['mqtt', 'delivered'],
      ['webhook', 'delivered'],
    ]);
  });

  it('removing a webhook closes what was queued for it as dead instead of retrying forever', async () => {
    const crm = await receiver(0);
    const ctx = makeService({ webhooks: [{ url: crm.url, secret: SECRET }], notifier: { pollIntervalMs: 0 } });
    service = ctx.service;
    seedSmallNetwork(service);
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    const [hook] = service.stores.notifier.listWebhooks();
    service.stores.notifier.removeWebhook(hook.id);
    await service.stores.notifier.processDue();
    expect(crm.received).toHaveLength(0);
    const deliveries = service.stores.notifier.listDeliveries();
    expect(deliveries.length).toBe(2);
    expect(deliveries.every((d) => d.state === 'dead' && d.lastError === 'webhook removed')).toBe(true);
    expect(service.stores.notifier.listDeliveries({ state: 'pending' })).toHaveLength(0);
  });

  it("publishes to the assigned technician's MQTT topic, retrying a failed publish", async () => {
    const published: { topic: string; payload: string }[] = [];
    let failNext = true;
    const ctx = makeService({
      publish: (topic, payload) => {
        if (failNext) {
          failNext = false;
          throw new Error('broker not connected');
        }
        published.push({ topic, payload });
      },
      notifier: { pollIntervalMs: 0, baseRetryDelayMs: 1000 },
    });
    service = ctx.service;
    seedSmallNetwork(service);
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    await service.stores.notifier.processDue();
    ctx.clock.advance(1000);
    await service.stores.notifier.processDue();
    expect(published.map((p) => p.topic)).toEqual(['purna/v1/technicians/T-JKT-1/dispatch']);
    expect(JSON.parse(published[0].payload)).toMatchObject({
      event: 'workOrder.assigned',
      data: { technicianId: 'T-JKT-1', partSku: 'P200-BRG-KIT' },
    });
  });
});

function totalAttempts(service: ServiceDomain): number {
  return service.stores.notifier.listDeliveries().reduce((n, d) => n + d.attempts, 0);
}

describe('delivery log retention', () => {
  it('prunes delivered and dead deliveries after the retention, never pending ones', async () => {
    const crm = await receiver(0);
    const ctx = makeService({
      webhooks: [
        { url: crm.url, secret: SECRET, events: ['workOrder.open'] },
        { url: 'http://127.0.0.1:9/down-a', secret: SECRET, events: ['workOrder.open'] },
        { url: 'http://127.0.0.1:9/down-b', secret: SECRET, events: ['workOrder.open'] },
      ],
      notifier: { pollIntervalMs: 0, retainFinishedMs: 7 * 24 * 3600_000, maxRetryDelayMs: 3600_000 },
    });
    service = ctx.service;
    seedSmallNetwork(service);
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    service.stores.notifier.removeWebhook(
      service.stores.notifier.listWebhooks().find((w) => w.url.endsWith('/down-b'))!.id,
    );
    await service.stores.notifier.processDue();
    const states = () =>
      service!.stores.notifier
        .listDeliveries()
        .map((d) => d.state)
        .sort();
    expect(states()).toEqual(['dead', 'delivered', 'pending']);

    ctx.clock.advance(7 * 24 * 3600_000 - 1);
    await service.stores.notifier.processDue(); // an hourly prune, but everything is still inside the retention
    expect(states()).toEqual(['dead', 'delivered', 'pending']);
    ctx.clock.advance(2 * 3600_000);
    await service.stores.notifier.processDue();
    expect(states()).toEqual(['pending']); // the receiver that is down still gets its event, however old
    const [pending] = service.stores.notifier.listDeliveries();
    expect(service.stores.notifier.deliveryAttempts(pending.id).length).toBeGreaterThan(2);
  });
});
