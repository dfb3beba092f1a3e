// Customer contacts through the REST API and the CSV import: phones kept as E.164, e-mail
// checked strictly, every bad field a 400 that names it, imports all or nothing; and the
// customer's record on one request.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { apiErrorHandler } from '../../core/http-errors.ts';
import { registerOpenApi } from '../../service/http/openapi.ts';
import { serviceRoutes } from '../../service/http/routes.ts';
import type { ServiceDomain } from '../../service/index.ts';
import { checkContact, parseEmail, parsePhone } from '../../service/customers/contact-fields.ts';
import { dispatchRequest, makeService, seedSmallNetwork } from './helpers.ts';

let app: FastifyInstance | null = null;
let service: ServiceDomain | null = null;
afterEach(async () => {
  await app?.close();
  service?.stop();
  app = null;
  service = null;
});

async function build() {
  const ctx = makeService();
  service = ctx.service;
  seedSmallNetwork(service);
  service.stores.registry.upsertCustomer({ id: 'C2', name: 'PT Lain' });
  service.stores.registry.upsertSite({
    id: 'S-OTHER',
    customerId: 'C2',
    name: 'Other plant',
    city: 'Bogor',
    lat: -6.6,
    lon: 106.8,
  });
  app = Fastify({ ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } } });
  app.setErrorHandler(apiErrorHandler);
  await registerOpenApi(app);
  await app.register(async (api) => serviceRoutes(api, { service: ctx.service }), { prefix: '/api' });
  await app.ready();
  return { ...ctx, app };
}

const good = {
  customerId: 'C1',
  siteId: 'S-JKT',
  name: 'Dewi Lestari',
  role: 'Kepala pemeliharaan',
  phone: '0812-3456-7890',
  email: 'Dewi.Lestari@TirtaMakmur.co.id',
  preferredChannel: 'whatsapp',
  quietHours: { from: '21:00', to: '07:00' },
};

describe('contact fields', () => {
  it('keeps phones as E.164 and knows mobiles from landlines', () => {
    expect(parsePhone('0812 3456 7890')).toEqual({ e164: '+6281234567890', mobile: true });
    expect(parsePhone('+62 21 5000 000')).toEqual({ e164: '+62215000000', mobile: false });
    expect(() => parsePhone('12345')).toThrow(/phone: '12345' is not a valid phone number/);
  });

  it('checks e-mail strictly and lower-cases only the domain', () => {
    expect(parseEmail(' Budi.S@Example.CO.ID ')).toBe('Budi.S@example.co.id');
    for (const bad of [
      'budi',
      'budi@',
      '@x.id',
      'bu di@x.id',
      'budi@x',
      'budi..s@x.id',
      'budi@-x.id',
      'budi@x.123',
      '"budi"@x.id',
      'a@b@c.id',
    ]) {
      expect(() => parseEmail(bad), bad).toThrow(/^email: /);
    }
  });

  it('defaults to Indonesian and to e-mail when an address is given', () => {
    const c = checkContact({ customerId: 'C1', name: 'Agus', email: 'agus@x.co.id' });
    expect(c).toMatchObject({
      language: 'id',
      preferredChannel: 'email',
      phone: null,
      quietFromMin: null,
      receivesNotices: true,
    });
  });
});

describe('contacts API', () => {
  it('creates a contact with a normalised phone, lists it and the customer record shows it', async () => {
    const { app } = await build();
    const put = await app.inject({ method: 'PUT', url: '/api/contacts/CT-1', payload: good });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().contact).toMatchObject({
      id: 'CT-1',
      customerId: 'C1',
      siteId: 'S-JKT',
      phone: '+6281234567890',
      email: 'Dewi.Lestari@tirtamakmur.co.id',
      preferredChannel: 'whatsapp',
      language: 'id',
      quietHours: { from: '21:00', to: '07:00' },
      receivesNotices: true,
      active: true,
    });
    expect(put.json().contact).not.toHaveProperty('quietFromMin');
    const list = await app.inject('/api/customers/C1/contacts');
    expect(list.json().contacts.map((c: { id: string }) => c.id)).toEqual(['CT-1']);
    expect((await app.inject('/api/customers/C2/contacts')).json().contacts).toEqual([]);
    expect((await app.inject('/api/customers/NOPE/contacts')).statusCode).toBe(404);
  });

  it('answers a bad phone, e-mail, channel, site or quiet hours with a 400 naming the field', async () => {
    const { app } = await build();
    const cases: [object, RegExp][] = [
      [{ ...good, phone: '0812' }, /^phone: '0812' is not a valid phone number/],
      [{ ...good, email: 'dewi@tirta' }, /^email: 'dewi@tirta' is not a valid e-mail address/],
      [{ ...good, phone: '+62 21 5000000' }, /^phone: \+62215000000 is not a mobile number: WhatsApp/],
      [{ ...good, phone: null, preferredChannel: 'sms' }, /^phone: is required when the preferred channel is sms/],
      [{ ...good, email: null, preferredChannel: 'email' }, /^email: is required when the preferred channel is email/],
      [{ ...good, phone: null, email: null }, /^phone: a contact needs a phone number or an e-mail address/],
      [{ ...good, siteId: 'S-OTHER' }, /^siteId: site 'S-OTHER' belongs to customer 'C2'/],
      [{ ...good, customerId: 'C9' }, /^customerId: unknown customer 'C9'/],
      [{ ...good, quietHours: { from: '22:00', to: '22:00' } }, /^quietHours: from and to are the same time/],
      [{ ...good, quietHours: { from: '25:00', to: '07:00' } }, /quietHours\/from/],
      [{ ...good, preferredChannel: 'pigeon' }, /preferredChannel/],
      [{ ...good, language: 'fr' }, /language/],
    ];
    for (const [payload, message] of cases) {
      const r = await app.inject({ method: 'PUT', url: '/api/contacts/CT-X', payload });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().message, JSON.stringify(payload)).toMatch(message);
    }
    // Nothing of it was stored.
    expect((await app.inject('/api/contacts/CT-X')).statusCode).toBe(404);
  });

  it('removes a contact from the list but keeps it readable', async () => {
    const { app } = await build();
    await app.inject({ method: 'PUT', url: '/api/contacts/CT-1', payload: good });
    expect((await app.inject({ method: 'DELETE', url: '/api/contacts/CT-1' })).statusCode).toBe(204);
    expect((await app.inject('/api/customers/C1/contacts')).json().contacts).toEqual([]);
    expect((await app.inject('/api/contacts/CT-1')).json().contact.active).toBe(false);
    expect((await app.inject({ method: 'DELETE', url: '/api/contacts/CT-9' })).statusCode).toBe(404);
  });

  it('imports contacts from CSV all or nothing, each bad row with its line number', async () => {
    const { app } = await build();
    const csv = (body: string) =>
      app.inject({
        method: 'POST',
        url: '/api/contacts/import',
        headers: { 'content-type': 'text/csv' },
        payload: body,
      });
    const header = 'id,customerId,siteId,name,phone,email,preferredChannel,language,quietFrom,quietTo';
    const bad = await csv(
      [
        header,
        'CT-1,C1,S-JKT,Dewi Lestari,0812 3456 7890,dewi@tirta.co.id,whatsapp,id,21:00,07:00',
        'CT-2,C1,,John Miller,,john@tirta,email,en,,',
        'CT-3,C1,S-BDG,Agus,+62 22 7000000,,sms,id,,',
        'CT-4,C1,S-BDG,Rina,0813 1111 2222,,sms,id,22:00,',
      ].join('\n'),
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ committed: false, imported: 0 });
    expect(bad.json().errors).toEqual([
      { line: 3, message: expect.stringMatching(/^email: 'john@tirta' is not a valid e-mail address/) },
      { line: 4, message: expect.stringMatching(/^phone: \+62227000000 is not a mobile number: SMS/) },
      { line: 5, message: 'quietFrom and quietTo go together: give both or neither' },
    ]);
    expect((await app.inject('/api/customers/C1/contacts')).json().contacts).toEqual([]);

    const ok = await csv(
      [
        header,
        'CT-1,C1,S-JKT,Dewi Lestari,0812 3456 7890,dewi@tirta.co.id,whatsapp,id,21:00,07:00',
        'CT-2,C1,,John Miller,,john@tirta.co.id,email,en,,',
      ].join('\n'),
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ committed: true, imported: 2 });
    const contacts = (await app.inject('/api/customers/C1/contacts')).json().contacts;
    expect(
      contacts.map((c: { id: string; language: string; phone: string | null }) => [c.id, c.language, c.phone]),
    ).toEqual([
      ['CT-2', 'en', null],
      ['CT-1', 'id', '+6281234567890'],
    ]);
  });

  it("gives a customer's record: sites, contacts, devices with warranty, jobs, ratings", async () => {
    const { app, service } = await build();
    await app.inject({ method: 'PUT', url: '/api/contacts/CT-1', payload: good });
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      service.workOrders.transition(wo.id, { to, actor: 'test' });
    service.workOrders.transition(wo.id, {
      to: 'resolved',
      resolutionCode: 'fault_confirmed_part_replaced',
      actor: 'test',
    });
    const { token } = service.customers.issueSurvey(wo.id);
    service.customers.answerSurvey(token, { csat: 4, nps: 8, comment: 'cepat' });
    const r = await app.inject('/api/customers/C1');
    expect(r.statusCode).toBe(200);
    const rec = r.json();
    expect(rec.customer).toMatchObject({ id: 'C1', name: 'PT Tirta Makmur' });
    expect(rec.sites.map((s: { id: string; timeZone: string }) => [s.id, s.timeZone])).toEqual([
      ['S-BDG', 'Asia/Jakarta'],
      ['S-JKT', 'Asia/Jakarta'],
    ]);
    expect(rec.contacts.map((c: { id: string }) => c.id)).toEqual(['CT-1']);
    expect(rec.devices.map((d: { id: string; warrantyActive: boolean }) => [d.id, d.warrantyActive])).toEqual([
      ['pump-bdg-1', true],
      ['pump-jkt-1', true],
      ['pump-jkt-2', true],
    ]);
    expect(rec.workOrders.map((w: { id: string; state: string }) => [w.id, w.state])).toEqual([[wo.id, 'resolved']]);
    expect(rec.ratings).toEqual([
      expect.objectContaining({ workOrderId: wo.id, deviceId: 'pump-jkt-1', csat: 4, nps: 8, comment: 'cepat' }),
    ]);
    // Another customer's jobs are not on it.
    expect((await app.inject('/api/customers/C2')).json().workOrders).toEqual([]);
    expect((await app.inject('/api/customers/NOPE')).statusCode).toBe(404);
  });
});
