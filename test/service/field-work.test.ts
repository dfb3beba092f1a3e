// What a technician records on site, over real HTTP through the dashboard's auth (issue 18, item
// 5): parts used leave the job's reservation and then the depot's free stock (no second time at
// the resolution), the photo and the customer's signature are kept with the job and served only
// to those who may read it, the customer's tracking link after the repair. Bad input is a 400
// naming the field; another technician's job is a 403.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACHMENT_MAX_BYTES } from '../../service/work-orders/field-work.ts';
import type { ServiceWorkOrder } from '../../service/types.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { boosterPump, dispatchRequest, seedSmallNetwork } from './helpers.ts';

let purna: TestPurna;
let tech: string;
let otherTech: string;
let planner: string;
let job: ServiceWorkOrder;

const PNG = readFileSync(new URL('../../dashboard/ui/public/icon-192.png', import.meta.url));
/** The start of a JPEG (SOI, APP0 JFIF) and some bytes: what the server checks is the signature. */
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0'),
  Buffer.alloc(2000, 7),
]);

async function call(
  cookie: string | null,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; json: Record<string, any>; bytes: Buffer; type: string | null }> {
  const res = await fetch(`${purna.dashboardUrl}api/${path}`, {
    method,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    body:
      body === undefined
        ? undefined
        : Buffer.isBuffer(body)
          ? new Uint8Array(body)
          : typeof body === 'string'
            ? body
            : JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type');
  let json = {};
  if (type?.startsWith('application/json')) json = JSON.parse(bytes.toString('utf8'));
  return { status: res.status, json, bytes, type };
}

const stock = (depotId: string) => purna.service.stores.network.listInventory({ depotId, sku: 'P200-BRG-KIT' })[0];

beforeAll(async () => {
  purna = await startTestPurna();
  seedSmallNetwork(purna.service, { jakartaBearingKits: 3 });
  purna.service.customers.saveContact('CON-JKT', {
    customerId: 'C1',
    siteId: 'S-JKT',
    name: 'Ibu Sari',
    phone: '+6281234567890',
    preferredChannel: 'sms',
    language: 'id',
  } as Parameters<typeof purna.service.customers.saveContact>[1]);
  job = purna.service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
  tech = await loginAs(purna, 'technician', job.technicianId!);
  otherTech = await loginAs(purna, 'technician', job.technicianId === 'T-JKT-1' ? 'T-BDG-1' : 'T-JKT-1');
  planner = await loginAs(purna, 'planner');
});
afterAll(async () => {
  await purna?.destroy();
});

describe('on site: parts used, photo, signature, the customer link', () => {
  it('the site contact is on the service record for the tel: link', async () => {
    const r = await call(tech, 'GET', 'devices/pump-jkt-1/service');
    expect(r.status).toBe(200);
    expect(r.json.siteContact).toEqual({ name: 'Ibu Sari', role: null, phone: '+6281234567890' });
  });

  it('a technician declining their job says why (400 naming note)', async () => {
    const r = await call(tech, 'POST', `work-orders/${job.id}/transitions`, { to: 'open', version: job.version });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/^note is required to decline/);
  });

  it('parts used: on site only, from the reservation first then the free stock, never twice', async () => {
    expect(job.parts).toMatchObject([{ sku: 'P200-BRG-KIT', quantity: 1, status: 'reserved', depotId: 'D-JKT' }]);
    expect(stock('D-JKT')).toMatchObject({ onHand: 3, reserved: 1 });
    const early = await call(tech, 'POST', `work-orders/${job.id}/parts-used`, { sku: 'P200-BRG-KIT', quantity: 1 });
    expect(early.status).toBe(409);
    let wo = job;
    for (const to of ['acknowledged', 'en_route', 'on_site']) {
      const r = await call(tech, 'POST', `work-orders/${job.id}/transitions`, { to, version: wo.version });
      expect(r.status, r.json.message).toBe(200);
      wo = r.json.workOrder;
    }

    for (const [body, field] of [
      [{ sku: 'P200-BRG-KIT', quantity: 0 }, 'quantity'],
      [{ sku: 'P200-BRG-KIT', quantity: 1.5 }, 'quantity'],
      [{ sku: 'P200-BRG-KIT', quantity: 'two' }, 'quantity'],
      [{ quantity: 1 }, 'sku'],
      [{ sku: 'P200-BRG-KIT', quantity: 1, depotId: '' }, 'depotId'],
    ] as const) {
      const r = await call(tech, 'POST', `work-orders/${job.id}/parts-used`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.message, JSON.stringify(body)).toContain(field);
    }
    expect(
      (
        await call(tech, 'POST', `work-orders/${job.id}/parts-used`, {
          sku: 'P200-BRG-KIT',
          quantity: 1,
          depotId: 'D-NOPE',
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(tech, 'POST', `work-orders/${job.id}/parts-used`, { sku: 'NO-SUCH-PART', quantity: 1 })).status,
    ).toBe(404);
    // Another technician's job: refused, and nothing left the stock.
    expect(
      (await call(otherTech, 'POST', `work-orders/${job.id}/parts-used`, { sku: 'P200-BRG-KIT', quantity: 1 })).status,
    ).toBe(403);
    expect(stock('D-JKT')).toMatchObject({ onHand: 3, reserved: 1 });

    // Two fitted: the reserved one, and one more off the shelf.
    const used = await call(tech, 'POST', `work-orders/${job.id}/parts-used`, { sku: 'P200-BRG-KIT', quantity: 2 });
    expect(used.status, used.json.message).toBe(200);
    expect(used.json.workOrder.parts).toMatchObject([
      { sku: 'P200-BRG-KIT', quantity: 2, status: 'consumed', depotId: 'D-JKT' },
    ]);
    // A new version: a step made with the old one (queued offline, a planner's stale page) is refused.
    expect(used.json.workOrder.version).toBe(wo.version + 1);
    const stale = await call(tech, 'POST', `work-orders/${job.id}/transitions`, { to: 'open', version: wo.version });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toMatch(/version mismatch/);
    const inventory = await call(planner, 'GET', 'inventory?depotId=D-JKT');
    expect(inventory.json.inventory.find((i: { sku: string }) => i.sku === 'P200-BRG-KIT')).toMatchObject({
      onHand: 1,
      reserved: 0,
    });
    // More than the shelf has: 409 naming what is free, nothing taken.
    const short = await call(tech, 'POST', `work-orders/${job.id}/parts-used`, { sku: 'P200-BRG-KIT', quantity: 2 });
    expect(short.status).toBe(409);
    expect(short.json.message).toMatch(/only 1 of P200-BRG-KIT free at D-JKT/);
    expect(stock('D-JKT')).toMatchObject({ onHand: 1, reserved: 0 });
    const history = purna.service.workOrders.workOrderHistory(job.id);
    expect(history.at(-1)?.note).toBe('part used: 1 × P200-BRG-KIT from D-JKT (reserved), 1 × P200-BRG-KIT from D-JKT');
  });

  it('photo and signature: images only, size-capped, kept with the job, served to whoever may read it', async () => {
    const photo = await call(tech, 'POST', `work-orders/${job.id}/attachments?kind=photo`, JPEG, 'image/jpeg');
    expect(photo.status, photo.json.message).toBe(201);
    expect(photo.json.attachment).toMatchObject({ kind: 'photo', contentType: 'image/jpeg', size: JPEG.length });
    const signature = await call(
      tech,
      'POST',
      `work-orders/${job.id}/attachments?kind=signature&signedBy=${encodeURIComponent('Ibu Sari')}`,
      PNG,
      'image/png',
    );
    expect(signature.status, signature.json.message).toBe(201);
    expect(signature.json.attachment).toMatchObject({ kind: 'signature', signedBy: 'Ibu Sari', size: PNG.length });
    // Each kept with a new version of the job, returned with it.
    expect(signature.json.workOrder.version).toBe(photo.json.workOrder.version + 1);
    expect(purna.service.workOrders.getWorkOrder(job.id)!.version).toBe(signature.json.workOrder.version);

    // Bad input, each a 400 naming what is wrong; a body of another type 415; too large 413.
    const bad: [string, Buffer | string, string, number, RegExp][] = [
      [`kind=selfie`, JPEG, 'image/jpeg', 400, /kind/],
      [`kind=signature`, PNG, 'image/png', 400, /signedBy/],
      [`kind=photo`, Buffer.from('not an image at all'), 'image/png', 400, /^body: not a image\/png image/],
      [`kind=photo`, 'hello', 'text/plain', 415, /./],
      [`kind=photo`, Buffer.concat([JPEG, Buffer.alloc(ATTACHMENT_MAX_BYTES)]), 'image/jpeg', 413, /./],
    ];
    for (const [query, body, type, status, message] of bad) {
      const r = await call(tech, 'POST', `work-orders/${job.id}/attachments?${query}`, body, type);
      expect(r.status, `${query} ${type}`).toBe(status);
      expect(r.json.message ?? '', `${query} ${type}`).toMatch(message);
    }

    const list = await call(tech, 'GET', `work-orders/${job.id}/attachments`);
    expect(list.json.attachments.map((a: { kind: string }) => a.kind)).toEqual(['photo', 'signature']);
    const path = `work-orders/${job.id}/attachments/${signature.json.attachment.id}`;
    for (const who of [tech, planner]) {
      const file = await call(who, 'GET', path);
      expect(file.status).toBe(200);
      expect(file.type).toBe('image/png');
      expect(file.bytes.equals(PNG)).toBe(true);
    }
    expect((await call(otherTech, 'GET', path)).status).toBe(403);
    expect((await call(otherTech, 'GET', `work-orders/${job.id}/attachments`)).status).toBe(403);
    expect(
      (await call(otherTech, 'POST', `work-orders/${job.id}/attachments?kind=photo`, JPEG, 'image/jpeg')).status,
    ).toBe(403);
    expect((await call(null, 'GET', path)).status).toBe(401);
    expect((await call(tech, 'GET', `work-orders/${job.id}/attachments/999999`)).status).toBe(404);
  });

  it('after the repair: resolving takes nothing more from the stock, and the customer link opens the tracking page', async () => {
    const early = await call(tech, 'POST', `work-orders/${job.id}/customer-link`);
    expect(early.status).toBe(409);
    const wo = purna.service.workOrders.getWorkOrder(job.id)!;
    const resolved = await call(tech, 'POST', `work-orders/${job.id}/transitions`, {
      to: 'resolved',
      version: wo.version,
      resolutionCode: 'fault_confirmed_part_replaced',
    });
    expect(resolved.status, resolved.json.message).toBe(200);
    expect(stock('D-JKT')).toMatchObject({ onHand: 1, reserved: 0 });
    expect((await call(otherTech, 'POST', `work-orders/${job.id}/customer-link`)).status).toBe(403);
    const link = await call(tech, 'POST', `work-orders/${job.id}/customer-link`);
    expect(link.status, link.json.message).toBe(200);
    expect(link.json.contactName).toBe('Ibu Sari');
    const url = new URL(link.json.url, purna.dashboardUrl);
    expect(url.pathname).toMatch(/^\/api\/track\/[\w-]{43}$/);
    // The same link each time (the one the customer's notices carry).
    expect((await call(tech, 'POST', `work-orders/${job.id}/customer-link`)).json.url).toBe(link.json.url);
    const page = await fetch(url, { headers: { accept: 'application/json' } });
    expect(page.status).toBe(200);
  });

  it("a repair's checklist comes from its failure mode in the catalogue, validated like the job types' lists", async () => {
    const model = boosterPump();
    const seal = model.failureModes[0];
    const wrong = await call(planner, 'POST', 'catalogue/models', {
      ...model,
      failureModes: [
        {
          ...seal,
          checklist: [
            { id: 'Sleeve', label: '' },
            { id: 'p', label: 'p', reading: { metric: 'torque', min: 1, max: 2 } },
          ],
        },
        model.failureModes[1],
      ],
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.problems.map((p: { field: string }) => p.field)).toEqual([
      'failureModes[0].checklist[0].id',
      'failureModes[0].checklist[0].label',
      'failureModes[0].checklist[1].reading.metric',
    ]);
    const checklist = [
      { id: 'sleeve_inspected', label: 'Shaft sleeve inspected for scoring' },
      {
        id: 'pressure_after',
        label: 'Discharge pressure after the repair',
        reading: { metric: 'pressure', min: 3, max: 6 },
      },
    ];
    const created = await call(planner, 'POST', 'catalogue/models', {
      ...model,
      failureModes: [{ ...seal, checklist }, model.failureModes[1]],
    });
    expect(created.status, created.json.message).toBe(201);
    purna.service.customers.registerDevices([{ deviceId: 'booster-jkt-1', modelId: 'booster-b40', siteId: 'S-JKT' }]);
    const repair = purna.service.workOrders.handleDispatch(dispatchRequest('booster-jkt-1', 'seal_leak')).order;
    expect(purna.service.workOrders.workOrderChecklist(repair.id)).toMatchObject([
      { itemId: 'sleeve_inspected', required: true, reading: null },
      { itemId: 'pressure_after', required: true, reading: { metric: 'pressure', min: 3, max: 6 } },
    ]);
    // The other mode lists none: the default repair list.
    const other = purna.service.workOrders.handleDispatch(dispatchRequest('booster-jkt-1', 'motor_overload')).order;
    expect(purna.service.workOrders.workOrderChecklist(other.id).map((e) => e.itemId)).toEqual([
      'cause_found',
      'test_run',
    ]);
  });
});
