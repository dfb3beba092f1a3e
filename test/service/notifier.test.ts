import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceDomain } from '../../service/index.ts';
import { signPayload } from '../../service/notifier.ts';
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
    const ctx = makeService({ webhooks: [{ url: crm.url, secret: SECRET, events: ['workOrder.open'] }], notifier: { pollIntervalMs: 0, baseRetryDelayMs: 1000 } });
    service = ctx.service;
    seedSmallNetwork(service);
    const wo = service.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const n = service.notifier;

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
      expect(JSON.parse(r.body)).toMatchObject({ event: 'workOrder.open', data: { id: wo.id, deviceId: 'pump-jkt-1' } });
    }
    const [delivery] = n.listDeliveries();
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 204 });
    expect(n.deliveryAttempts(delivery.id).map((a) => [a.status, a.ok])).toEqual([[500, false], [500, false], [204, true]]);
  });

  it('keeps retrying an unreachable receiver instead of dropping the event', async () => {
    const ctx = makeService({ webhooks: [{ url: 'http://127.0.0.1:9/unreachable', secret: SECRET, events: ['*'] }], notifier: { pollIntervalMs: 0, baseRetryDelayMs: 1000, maxRetryDelayMs: 8000 } });
    service = ctx.service;
    seedSmallNetwork(service);
    service.handleDispatch(dispatchRequest('pump-jkt-1'));
    for (let i = 0; i < 8; i++) {
      await service.notifier.processDue();
      ctx.clock.advance(8000);
    }
    const deliveries = service.notifier.listDeliveries();
    expect(deliveries.length).toBe(2); // workOrder.open and workOrder.assigned
    for (const d of deliveries) {
      expect(d.state).toBe('pending');
      expect(d.attempts).toBe(8);
      expect(d.lastError).toBeTruthy();
    }
  });

  it('publishes to the assigned technician\'s MQTT topic, retrying a failed publish', async () => {
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
    service.handleDispatch(dispatchRequest('pump-jkt-1'));
    await service.notifier.processDue();
    ctx.clock.advance(1000);
    await service.notifier.processDue();
    expect(published.map((p) => p.topic)).toEqual(['purna/v1/technicians/T-JKT-1/dispatch']);
    expect(JSON.parse(published[0].payload)).toMatchObject({ event: 'workOrder.assigned', data: { technicianId: 'T-JKT-1', partSku: 'P200-BRG-KIT' } });
  });
});
