// Job types (issue 19, item 1): the planner opens any kind of job from the API; each has its own
// SLA and its checklist from the catalogue; required items hold the resolution.
import { afterEach, describe, expect, it } from 'vitest';
import { HOUR, boosterPump } from './helpers.ts';
import { startPlannedServer, type PlannedServer } from './planned-helpers.ts';

let s: PlannedServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

describe('job types', () => {
  it('opens an inspection with its own SLA and the default checklist; a customer report needs a mode', async () => {
    s = await startPlannedServer();
    const now = s.clock.nowMs();
    const created = await s.api('work-orders', { body: { deviceId: 'pump-jkt-1', jobType: 'inspection' } });
    expect(created.status).toBe(201);
    const wo = created.json.workOrder;
    expect(wo).toMatchObject({ jobType: 'inspection', mode: 'inspection', severity: 'low', state: 'assigned' });
    expect(wo.slaRespondByMs).toBe(now + 168 * HOUR);
    expect(wo.slaResolveByMs).toBe(now + 240 * HOUR);
    const list = await s.api(`work-orders/${wo.id}/checklist`);
    expect(list.json.checklist.map((i: { itemId: string }) => i.itemId)).toEqual([
      'visual_inspection',
      'reading_temperature',
      'reading_vibration',
    ]);

    const noMode = await s.api('work-orders', { body: { deviceId: 'pump-jkt-1', jobType: 'customer_reported' } });
    expect(noMode.status).toBe(400);
    expect(noMode.json.message).toMatch(/^mode: is required/);
    const reported = await s.api('work-orders', { body: { deviceId: 'pump-jkt-1', mode: 'bearing_wear' } });
    expect(reported.json.workOrder).toMatchObject({ jobType: 'customer_reported', mode: 'bearing_wear' });
    // The tier's failure SLA (standard, medium severity: 48 h on site), not the inspection's.
    expect(reported.json.workOrder.slaRespondByMs).toBe(now + 48 * HOUR);
    const twice = await s.api('work-orders', { body: { deviceId: 'pump-jkt-1', jobType: 'inspection' } });
    expect(twice.status).toBe(409);
    const wrong = await s.api('work-orders', { body: { deviceId: 'pump-jkt-2', jobType: 'teleport' } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.message).toMatch(/jobType/);
    const filtered = await s.api('work-orders?jobType=inspection,installation');
    expect(filtered.json.workOrders.map((w: { id: string }) => w.id)).toEqual([wo.id]);
  });

  it('a job cannot be resolved before its required checklist items are done and its readings in range', async () => {
    s = await startPlannedServer();
    const { service } = s;
    const wo = service.workOrders.createWorkOrder({
      deviceId: 'pump-jkt-2',
      jobType: 'planned_maintenance',
      actor: 'planner:p',
    });
    let v = wo.version;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      v = service.workOrders.transition(wo.id, { to, version: v, actor: 'technician:t' }).version;
    // Each checklist item recorded is a new version of the job: resolve with the newest.
    const resolve = () =>
      s!.api(`work-orders/${wo.id}/transitions`, {
        body: {
          to: 'resolved',
          version: service.workOrders.getWorkOrder(wo.id)!.version,
          resolutionCode: 'fault_confirmed_no_part',
        },
      });
    const early = await resolve();
    expect(early.status).toBe(409);
    expect(early.json.message).toMatch(/checklist not complete: 'visual_inspection' \(pump-jkt-2\) is not done/);
    for (const itemId of ['visual_inspection', 'lubrication'])
      expect((await s.api(`work-orders/${wo.id}/checklist`, { body: { itemId, done: true } })).status).toBe(200);
    const hot = await s.api(`work-orders/${wo.id}/checklist`, { body: { itemId: 'reading_temperature', value: 140 } });
    expect(hot.json.item).toMatchObject({ value: 140, ok: false });
    expect(hot.json.workOrder.version).toBe(v + 3);
    await s.api(`work-orders/${wo.id}/checklist`, { body: { itemId: 'reading_vibration', value: 1.2 } });
    expect((await resolve()).json.message).toMatch(/'reading_temperature' \(pump-jkt-2\) read 140 outside/);
    const asCheck = await s.api(`work-orders/${wo.id}/checklist`, {
      body: { itemId: 'reading_temperature', done: true },
    });
    expect(asCheck.status).toBe(400);
    expect(asCheck.json.message).toMatch(/^value:/);
    await s.api(`work-orders/${wo.id}/checklist`, { body: { itemId: 'reading_temperature', value: 55 } });
    const done = await resolve();
    expect(done.status).toBe(200);
    expect(done.json.workOrder.state).toBe('resolved');
    expect(
      (await s.api(`work-orders/${wo.id}/checklist`, { body: { itemId: 'lubrication', done: false } })).status,
    ).toBe(409);
  });

  it('takes checklists from the catalogue model, validated by field', async () => {
    s = await startPlannedServer();
    const bad = boosterPump();
    bad.checklists = {
      installation: [{ id: 'pressure_ok', label: 'Pressure', reading: { metric: 'presure', min: 3, max: 6 } }],
      ['repaint' as 'inspection']: [],
    };
    const refused = await s.api('catalogue/models', { body: bad });
    expect(refused.status).toBe(400);
    expect(refused.json.problems.map((p: { field: string }) => p.field)).toEqual([
      'checklists.installation[0].reading.metric',
      'checklists.repaint',
    ]);
    const good = boosterPump();
    good.checklists = {
      installation: [
        { id: 'pressure_ok', label: 'Discharge pressure', reading: { metric: 'pressure', min: 3, max: 6 } },
        { id: 'photo', label: 'Photo of the nameplate', required: false },
      ],
    };
    expect((await s.api('catalogue/models', { body: good })).status).toBe(201);
    s.service.customers.registerDevices([{ deviceId: 'booster-1', modelId: 'booster-b40', siteId: 'S-JKT' }]);
    const wo = s.service.workOrders.createWorkOrder({
      deviceId: 'booster-1',
      jobType: 'installation',
      actor: 'planner:p',
    });
    expect(s.service.workOrders.workOrderChecklist(wo.id).map((i) => [i.itemId, i.required, i.reading])).toEqual([
      ['pressure_ok', true, { metric: 'pressure', min: 3, max: 6 }],
      ['photo', false, null],
    ]);
  });
});
