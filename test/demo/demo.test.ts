import { afterAll, expect, it } from 'vitest';
import { ACTIVE_STATES } from '../../core/work-order-states.ts';
import { startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna | null = null;
afterAll(async () => {
  await purna?.destroy();
});

it('npm start again on the same data dir: the simulated devices start their story afresh, other jobs stay', async () => {
  // The demo's own fleet of three (pump-0001, compressor-0002, motor-0003) in the seeded network.
  purna = await startTestPurna({ simDevices: 3 });
  const { service, fleet, demoLogin } = purna;
  expect(fleet?.devices.map((d) => d.deviceId)).toEqual(['pump-0001', 'compressor-0002', 'motor-0003']);
  expect(demoLogin?.email).toBe('planner@purna.demo');
  const simulated = service.workOrders.createWorkOrder({
    deviceId: 'pump-0001',
    mode: 'bearing_wear',
    actor: 'planner:test',
  });
  // A seeded device that is not simulated keeps its job across the restart.
  const devices = service.customers.listDevices();
  const other = devices.find((d) => d.modelId === 'pump-p200' && !fleet?.devices.some((f) => f.deviceId === d.id));
  expect(other).toBeDefined();
  const kept = service.workOrders.createWorkOrder({ deviceId: other!.id, mode: 'bearing_wear', actor: 'planner:test' });
  expect(ACTIVE_STATES).toContain(simulated.state);
  const dataDir = purna.dataDir;
  await purna.stop();

  purna = await startTestPurna({ simDevices: 3 }, dataDir);
  const after = purna.service.workOrders.getWorkOrder(simulated.id)!;
  expect(after.state).toBe('cancelled');
  expect(purna.service.workOrders.workOrderHistory(simulated.id).at(-1)).toMatchObject({
    actor: 'demo',
    note: 'demo restarted: the simulated fleet starts its story again',
  });
  expect(purna.service.workOrders.getWorkOrder(kept.id)?.state).toBe(kept.state);
  // The seed is idempotent: the second start found the same network.
  expect(purna.service.customers.listDevices().length).toBe(devices.length);
});
