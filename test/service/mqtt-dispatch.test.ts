// The technician's field app topic through a real aedes broker and a real MQTT client.
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceDomain } from '../../service/index.ts';
import { dispatchRequest, makeService, seedSmallNetwork } from './helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

describe('MQTT technician dispatch topic', () => {
  it('delivers the assignment to purna/v1/technicians/{id}/dispatch on a real broker', async () => {
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => broker.close(() => server.close(() => resolve()))));
    const port = (server.address() as AddressInfo).port;

    const field = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'field-app-T-JKT-1',
      reconnectPeriod: 0,
    });
    cleanups.push(() => field.endAsync());
    const received: {
      topic: string;
      body: { event: string; data: { id: string; technicianId: string; state: string } };
    }[] = [];
    field.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) }));
    await field.subscribeAsync('purna/v1/technicians/+/dispatch', { qos: 1 });

    const { service } = makeService({
      // How the wiring connects it: publish through the broker, QoS 1 so a field app that was offline gets it.
      publish: (topic, payload) =>
        new Promise<void>((resolve, reject) =>
          broker.publish(
            { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
            (err) => (err ? reject(err) : resolve()),
          ),
        ),
    });
    cleanups.push(() => (service as ServiceDomain).stop());
    seedSmallNetwork(service);
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    await service.stores.notifier.processDue();
    const moved = service.workOrders.transition(wo.id, {
      to: 'open',
      version: wo.version,
      actor: 'planner:ani',
      note: 'reassigning',
    });
    await service.stores.notifier.processDue();

    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(received.map((r) => [r.topic, r.body.event])).toEqual([
      ['purna/v1/technicians/T-JKT-1/dispatch', 'workOrder.assigned'],
      // the technician taken off the job hears about it too
      ['purna/v1/technicians/T-JKT-1/dispatch', 'workOrder.open'],
    ]);
    expect(received[0].body.data).toMatchObject({ id: wo.id, technicianId: 'T-JKT-1', state: 'assigned' });
    expect(received[1].body.data).toMatchObject({ id: moved.id, state: 'open' });
    expect(service.stores.notifier.listDeliveries().every((d) => d.state === 'delivered')).toBe(true);
  });
});
