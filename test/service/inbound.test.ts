// Messages customers send in, over HTTP as the providers post them: the WhatsApp Cloud API webhook
// (X-Hub-Signature-256, Meta's verification handshake) and an inbound-mail relay (X-Purna-Signature).
// A message goes on the sender's open job, opens a customer-reported job when it is clear which
// machine is meant, or becomes a follow-up; each once. And the planner's customer-reported job.
import { createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerOpenApi } from '../../service/http/openapi.ts';
import { serviceRoutes } from '../../service/http/routes.ts';
import type { ServiceDomain, ServiceOptions } from '../../service/index.ts';
import { dispatchRequest, makeService, seedSmallNetwork } from './helpers.ts';

let app: FastifyInstance | null = null;
let service: ServiceDomain | null = null;
afterEach(async () => {
  await app?.close();
  service?.stop();
  app = null;
  service = null;
});

const APP_SECRET = 'meta-app-secret-for-tests';
const MAIL_SECRET = 'mail-relay-secret-for-tests';

async function build(
  inbound: ServiceOptions['inbound'] = {
    whatsappAppSecret: APP_SECRET,
    whatsappVerifyToken: 'verify-me',
    emailSecret: MAIL_SECRET,
  },
) {
  const ctx = makeService({ inbound });
  service = ctx.service;
  seedSmallNetwork(service);
  const c = service.customers;
  c.saveContact('K-JKT', { customerId: 'C1', siteId: 'S-JKT', name: 'Dewi Lestari', phone: '0812 3456 7890' });
  c.saveContact('K-BDG', { customerId: 'C1', siteId: 'S-BDG', name: 'Agus Salim', phone: '+62 813 2222 3333' });
  c.saveContact('K-ALL', { customerId: 'C1', name: 'Mark Thompson', email: 'mark@tirta.test', language: 'en' });
  app = Fastify({ ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } } });
  await registerOpenApi(app);
  const s = ctx.service;
  await app.register(async (api) => serviceRoutes(api, { service: s }), { prefix: '/api' });
  await app.ready();
  return { ...ctx, app };
}

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** A webhook as the Cloud API posts it (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples). */
function whatsappWebhook(from: string, id: string, text: string, name = 'Dewi') {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [{ from, id, timestamp: '1763863200', type: 'text', text: { body: text } }],
            },
            field: 'messages',
          },
        ],
      },
    ],
  });
}

async function postWhatsApp(app: FastifyInstance, body: string, signature = sign(APP_SECRET, body)) {
  return app.inject({
    method: 'POST',
    url: '/api/inbound/whatsapp',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    payload: body,
  });
}

describe('inbound messages', () => {
  it("answers Meta's verification handshake with the challenge, only for our verify token", async () => {
    const { app } = await build();
    const ok = await app.inject(
      '/api/inbound/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444',
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('1158201444');
    const wrong = await app.inject('/api/inbound/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1');
    expect(wrong.statusCode).toBe(403);
  });

  it('files a WhatsApp message on the open job of its sender, once; refuses a bad signature', async () => {
    const { app, service } = await build();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const body = whatsappWebhook(
      '6281234567890',
      'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0',
      'Pompa bunyi keras sejak pagi',
    );

    const unsigned = await postWhatsApp(app, body, '');
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().message).toMatch(/^x-hub-signature-256: /);
    const forged = await postWhatsApp(app, body, sign('not-the-secret', body));
    expect(forged.statusCode).toBe(401);
    // Signed, then changed in transit: the signature is over the bytes.
    const tampered = await postWhatsApp(app, body.replace('keras', 'pelan'), sign(APP_SECRET, body));
    expect(tampered.statusCode).toBe(401);
    expect(service.customers.inboundMessages({ customerId: 'C1' })).toHaveLength(0);

    const r = await postWhatsApp(app, body);
    expect(r.statusCode).toBe(200);
    const [filed] = r.json().received;
    expect(filed).toMatchObject({ outcome: 'attached', workOrderId: wo.id });
    // Meta resends a webhook it got no 200 for: the same message is filed once.
    expect((await postWhatsApp(app, body)).json().received[0].id).toBe(filed.id);
    expect(service.customers.inboundMessages({ customerId: 'C1' })).toHaveLength(1);

    expect(service.workOrders.workOrderHistory(wo.id).at(-1)).toMatchObject({
      actor: 'customer:K-JKT',
      note: 'WhatsApp from Dewi Lestari: “Pompa bunyi keras sejak pagi”',
    });
    const feedback = (await app.inject(`/api/work-orders/${wo.id}/feedback`)).json();
    expect(feedback.inbound).toMatchObject([
      {
        channel: 'whatsapp',
        fromAddress: '6281234567890',
        fromName: 'Dewi',
        contactName: 'Dewi Lestari',
        text: 'Pompa bunyi keras sejak pagi',
        receivedAtMs: 1763863200_000,
      },
    ]);
    const record = (await app.inject('/api/customers/C1')).json();
    expect(record.inbound.map((m: { workOrderId: string }) => m.workOrderId)).toEqual([wo.id]);

    // Status updates (sent, delivered, read) carry no words: nothing filed.
    const statuses = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [{ field: 'messages', value: { statuses: [{ id: 'wamid.x', status: 'read' }] } }] }],
    });
    expect((await postWhatsApp(app, statuses)).json()).toEqual({ received: [] });
  });

  it('opens a customer-reported job when the machine is clear, else a follow-up; a stranger is kept apart', async () => {
    const { app, service } = await build();

    // Mark is customer-wide (two sites, a pump each) and names none: the planner must ask.
    const mail = JSON.stringify({
      messageId: '<CAF=1234@mail.tirta.test>',
      from: 'Mark Thompson <Mark@Tirta.test>',
      subject: 'Re: Work done on your pump',
      text: 'One of the pumps leaks again.\n\nOn Mon, 23 Nov 2026 at 10:00, Purna Service wrote:\n> Work done on your pump',
    });
    const unsigned = await app.inject({
      method: 'POST',
      url: '/api/inbound/email',
      headers: { 'content-type': 'application/json' },
      payload: mail,
    });
    expect(unsigned.statusCode).toBe(401);
    const m = await app.inject({
      method: 'POST',
      url: '/api/inbound/email',
      headers: { 'content-type': 'application/json', 'x-purna-signature': sign(MAIL_SECRET, mail) },
      payload: mail,
    });
    expect(m.json()).toMatchObject({ outcome: 'unplaced', workOrderId: null });
    expect(service.customers.listFollowUps({ open: true })).toMatchObject([
      { reason: 'unplaced_message', contactId: 'K-ALL', customerId: 'C1', comment: 'One of the pumps leaks again.' },
    ]);

    // Naming the machine is enough.
    const named = JSON.stringify({
      messageId: '<CAF=1235@mail.tirta.test>',
      from: 'mark@tirta.test',
      text: 'Correction: it is pump-jkt-1 that leaks.',
    });
    const n = await app.inject({
      method: 'POST',
      url: '/api/inbound/email',
      headers: { 'content-type': 'application/json', 'x-purna-signature': sign(MAIL_SECRET, named) },
      payload: named,
    });
    expect(n.json().outcome).toBe('opened');
    expect(service.workOrders.getWorkOrder(n.json().workOrderId)!.deviceId).toBe('pump-jkt-1');

    // Agus looks after Bandung, which has one pump and no open job.
    const r = await postWhatsApp(
      app,
      whatsappWebhook('6281322223333', 'wamid.B1', 'Mesin mati total, lampu merah menyala', 'Agus'),
    );
    const filed = r.json().received[0];
    expect(filed.outcome).toBe('opened');
    const job = service.workOrders.getWorkOrder(filed.workOrderId)!;
    expect(job).toMatchObject({
      deviceId: 'pump-bdg-1',
      mode: 'customer_reported',
      customerReport: 'Mesin mati total, lampu merah menyala',
      source: 'customer:whatsapp',
    });
    expect(job.technicianId).toBe('T-BDG-1'); // planned like any other job

    const stranger = await postWhatsApp(app, whatsappWebhook('6285700001111', 'wamid.S1', 'halo?', 'Someone'));
    expect(stranger.json().received[0]).toMatchObject({ outcome: 'unknown_sender', workOrderId: null });
    expect(service.customers.inboundMessages({ customerId: 'C1' })).toHaveLength(3);
    // Kept apart from every customer, but where a planner can look.
    expect((await app.inject('/api/inbound?outcome=unknown_sender')).json().messages).toMatchObject([
      { fromAddress: '6285700001111', fromName: 'Someone', text: 'halo?', customerId: null },
    ]);
  });

  it('answers 503 naming the setting when no secret is configured', async () => {
    const { app } = await build({});
    const body = whatsappWebhook('6281234567890', 'wamid.X', 'x');
    const r = await postWhatsApp(app, body);
    expect(r.statusCode).toBe(503);
    expect(r.json().message).toMatch(/PURNA_WHATSAPP_APP_SECRET/);
  });

  it("a planner's customer-reported job keeps the customer's words (400 without them) until diagnosed", async () => {
    const { app } = await build();
    const bad = await app.inject({
      method: 'POST',
      url: '/api/work-orders',
      payload: { deviceId: 'pump-jkt-1', mode: 'customer_reported' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^customerReport: /);
    const ok = await app.inject({
      method: 'POST',
      url: '/api/work-orders',
      payload: {
        deviceId: 'pump-jkt-1',
        mode: 'customer_reported',
        severity: 'high',
        customerReport: 'Bocor di bagian bawah pompa, air menggenang',
      },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().workOrder).toMatchObject({
      mode: 'customer_reported',
      customerReport: 'Bocor di bagian bawah pompa, air menggenang',
      source: 'planner',
      severity: 'high',
    });
    // The technician finds what it is: the mode becomes the model's, the customer's words stay.
    const job = ok.json().workOrder;
    const diagnose = (payload: object) =>
      app.inject({ method: 'POST', url: `/api/work-orders/${job.id}/diagnosis`, payload });
    expect((await diagnose({ mode: 'flux_capacitor', version: job.version })).json().message).toMatch(
      /^mode: 'flux_capacitor' is not a failure mode of pump-p200/,
    );
    expect((await diagnose({ mode: 'lubrication_loss', version: job.version - 1 })).statusCode).toBe(409);
    const diagnosed = await diagnose({ mode: 'lubrication_loss', version: job.version, note: 'seal dry, oil gone' });
    expect(diagnosed.statusCode).toBe(200);
    expect(diagnosed.json().workOrder).toMatchObject({
      mode: 'lubrication_loss',
      customerReport: 'Bocor di bagian bawah pompa, air menggenang',
      technicianId: job.technicianId,
      version: job.version + 1,
    });
    expect((await app.inject(`/api/work-orders/${job.id}`)).json().history.at(-1).note).toBe(
      'diagnosed: lubrication_loss (reported by the customer): seal dry, oil gone',
    );
    const again = await diagnose({ mode: 'bearing_wear' });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/only a customer_reported job is diagnosed/);
  });
});
