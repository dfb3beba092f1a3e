// Cross-site request forgery against a whole Purna over real HTTP: requests shaped as a browser
// sends them from another page (Sec-Fetch-Site, Origin, a form's text/plain body) with a real
// session cookie, next to the same-origin requests the dashboard makes and a tool's bearer token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSmallNetwork } from '../service/helpers.ts';
import { rawRequest } from '../support/http.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let base: string;
let cookie: string;
let self: string;
beforeAll(async () => {
  purna = await startTestPurna();
  base = purna.dashboardUrl;
  self = new URL(base).origin;
  seedSmallNetwork(purna.service);
  cookie = await loginAs(purna, 'planner');
});
afterAll(async () => {
  await purna?.destroy();
});

const post = (path: string, headers: Record<string, string>, body: string) =>
  rawRequest(base, 'POST', path, { headers, body });
const provisionJson = (id: string) => JSON.stringify({ devices: [{ id, modelId: 'pump-p200' }] });

describe('cross-site requests', () => {
  it("the reported attack: a same-site form posting text/plain to provisioning with the planner's cookie is refused, and provisions nothing", async () => {
    // What <form enctype="text/plain" method="post" action=".../provision.csv"> on a sibling port sends.
    const form = {
      cookie,
      'content-type': 'text/plain',
      origin: 'http://localhost:1',
      'sec-fetch-site': 'same-site',
      'sec-fetch-mode': 'navigate',
    };
    const r = await post('/api/devices/provision.csv', form, 'id,modelId\nevil-0001,pump-p200\n');
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).message).toMatch(
      /cross-site request refused: a same-site request \(Sec-Fetch-Site: same-site\)/,
    );
    for (const site of ['cross-site', 'same-site']) {
      for (const path of [
        '/api/devices/provision',
        '/api/users',
        '/api/work-orders',
        '/api/auth/logout',
        '/api/auth/login',
      ]) {
        const r2 = await post(path, { cookie, 'content-type': 'application/json', 'sec-fetch-site': site }, '{}');
        expect(r2.status, `${site} ${path}`).toBe(403);
      }
    }
    expect(purna.service.customers.getDevice('evil-0001')).toBeUndefined();
    // The session survived the forged logout.
    expect((await rawRequest(base, 'GET', '/api/auth/me', { headers: { cookie } })).status).toBe(200);
  });

  it('without fetch metadata (older browsers), an Origin other than this server is refused, "null" included', async () => {
    for (const origin of [
      'http://evil.example',
      'null',
      `${self.replace('localhost', '127.0.0.1')}`,
      `${self}.evil.example`,
      'https://localhost',
    ]) {
      const r = await post(
        '/api/devices/provision',
        { cookie, 'content-type': 'application/json', origin },
        provisionJson('evil-0002'),
      );
      expect(r.status, origin).toBe(403);
      expect(JSON.parse(r.body).message, origin).toMatch(`origin ${origin}`);
    }
    const put = await rawRequest(base, 'PUT', '/api/customers/C9', {
      headers: { cookie, 'content-type': 'application/json', origin: 'http://evil.example' },
      body: '{"name":"x"}',
    });
    expect(put.status).toBe(403);
    const del = await rawRequest(base, 'DELETE', '/api/devices/pump-jkt-1/credentials', {
      headers: { cookie, origin: 'http://evil.example' },
    });
    expect(del.status).toBe(403);
    expect(purna.service.customers.getDevice('evil-0002')).toBeUndefined();
  });

  it("the dashboard's own requests pass: same-origin fetch metadata, or its own Origin", async () => {
    const sameOrigin = await post(
      '/api/devices/provision',
      { cookie, 'content-type': 'application/json', origin: self, 'sec-fetch-site': 'same-origin' },
      provisionJson('ok-0001'),
    );
    expect(sameOrigin.status).toBe(201);
    const originOnly = await post(
      '/api/devices/provision',
      { cookie, 'content-type': 'application/json', origin: self },
      provisionJson('ok-0002'),
    );
    expect(originOnly.status).toBe(201);
    // Reading is not changing: a cross-site GET (a link in an email) is answered as usual.
    expect(
      (await rawRequest(base, 'GET', '/api/devices', { headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status,
    ).toBe(200);
  });

  it('a tool provisions with a bearer token and no cookie; a tool with a cookie and no browser headers still works', async () => {
    const token = cookie.split('=')[1];
    const bearer = await post(
      '/api/devices/provision',
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      provisionJson('tool-0001'),
    );
    expect(bearer.status).toBe(201);
    expect(JSON.parse(bearer.body).devices[0]).toMatchObject({ id: 'tool-0001', token: expect.any(String) });
    const csv = await post(
      '/api/devices/provision.csv',
      { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      'id,modelId\ntool-0002,pump-p200\n',
    );
    expect(csv.status).toBe(201);
    expect(
      (await post('/api/devices/provision', { cookie, 'content-type': 'application/json' }, provisionJson('tool-0003')))
        .status,
    ).toBe(201);
    // A bad bearer token is no login, even next to a good cookie.
    expect(
      (
        await post(
          '/api/devices/provision',
          { authorization: 'Bearer not-a-session', cookie, 'content-type': 'application/json' },
          provisionJson('tool-0004'),
        )
      ).status,
    ).toBe(401);
    expect(purna.service.customers.getDevice('tool-0004')).toBeUndefined();
  });
});

describe('declared body types', () => {
  const sameOrigin = { 'sec-fetch-site': 'same-origin' };
  it('a JSON route refuses text/plain, form encodings and CSV with 415 naming what it takes', async () => {
    for (const type of [
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/csv',
      'application/xml',
    ]) {
      const r = await post(
        '/api/devices/provision',
        { cookie, ...sameOrigin, 'content-type': type },
        provisionJson('evil-0003'),
      );
      expect(r.status, type).toBe(415);
      expect(JSON.parse(r.body).message, type).toMatch(/takes a body of type application\/json/);
    }
    const none = await rawRequest(base, 'POST', '/api/devices/provision', {
      headers: { cookie },
      body: provisionJson('evil-0004'),
    });
    expect(none.status).toBe(415);
    expect(purna.service.customers.getDevice('evil-0003')).toBeUndefined();
  });

  it('CSV routes take text/csv and nothing else; JSON with a charset is JSON', async () => {
    const csv = (path: string, type: string, body: string) =>
      post(path, { cookie, ...sameOrigin, 'content-type': type }, body);
    expect((await csv('/api/devices/provision.csv', 'text/plain', 'id,modelId\nevil-0005,pump-p200\n')).status).toBe(
      415,
    );
    expect(
      (await csv('/api/devices/provision.csv', 'application/json', '"id,modelId\\nevil-0005,pump-p200"')).status,
    ).toBe(415);
    expect((await csv('/api/devices/provision.csv', 'text/csv', 'id,modelId\ncsv-0001,pump-p200\n')).status).toBe(201);
    expect(
      (await csv('/api/devices/import', 'text/plain', 'deviceId,modelId,siteId\ncsv-0002,pump-p200,S-JKT\n')).status,
    ).toBe(415);
    expect(
      (
        await csv(
          '/api/devices/import',
          'text/csv; charset=utf-8',
          'deviceId,modelId,siteId\ncsv-0002,pump-p200,S-JKT\n',
        )
      ).status,
    ).toBe(200);
    expect((await csv('/api/technicians/import', 'text/plain', 'x')).status).toBe(415);
    expect((await csv('/api/inventory/import', 'text/plain', 'x')).status).toBe(415);
    expect(
      (await csv('/api/devices/provision', 'application/json; charset=utf-8', provisionJson('json-0001'))).status,
    ).toBe(201);
    expect(purna.service.customers.getDevice('evil-0005')).toBeUndefined();
  });
});
