// Default deny, decided on the route the router matched: a whole Purna on free ports, probed over
// real HTTP with the spellings the router decodes but a string test on the URL does not see.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceDomain } from '../../service/index.ts';
import { seedSmallNetwork } from '../service/helpers.ts';
import { registeredRoutes, rawRequest } from '../support/http.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let base: string;
beforeAll(async () => {
  purna = await startTestPurna();
  base = purna.dashboardUrl;
  seedSmallNetwork(purna.service);
});
afterAll(async () => {
  await purna?.destroy();
});

type HistoricalWorkOrder = Parameters<ServiceDomain['workOrders']['importHistory']>[0][number];

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Routes reachable without a login by design; every other route must answer 401 without a session. */
const UI_FILES = readdirSync(fileURLToPath(new URL('../../dashboard/ui/dist/', import.meta.url)), {
  recursive: true,
  withFileTypes: true,
})
  .filter((e) => e.isFile())
  .map((e) => `${e.parentPath}/${e.name}`.split('/ui/dist/')[1].replace(/^\/?/, '/'));
/**
 * The technician app's install files are public by design: the browser fetches the manifest
 * without credentials (the sign-in page already links it) and installs the service worker before
 * anyone signs in; neither holds data (the worker caches only the page and its assets, never /api).
 */
const PWA_FILES = ['/manifest.webmanifest', '/sw.js', '/icon.svg', '/icon-192.png', '/icon-512.png'];
function isPublicByDesign(path: string): boolean {
  return (
    path === '/' ||
    UI_FILES.includes(path) ||
    PWA_FILES.includes(path) ||
    path === '/docs' ||
    path.startsWith('/docs/') ||
    [
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/auth/login',
      '/api/auth/logout',
      '/api/surveys/:token',
      // A customer's one-time tracking link: the token is the credential (test/service/tracking.test.ts).
      '/api/track/:token',
      // The quote on that link, approved or declined by the customer (test/service/billing.test.ts).
      '/api/track/:token/quote',
      // Providers' webhooks: the body's HMAC is the credential, 503 while unconfigured (test/service/inbound.test.ts).
      '/api/inbound/whatsapp',
      '/api/inbound/email',
    ].includes(path)
  );
}

/** A concrete URL for a route pattern; with `encode`, the first letter of every segment as a percent-escape. */
function concrete(pattern: string, encode = false): string {
  const filled = `/${pattern.replace(/:[A-Za-z]+/g, 'x1').replace(/\*/g, 'x1')}`.replace(/^\/\//, '/');
  if (!encode) return filled;
  return filled.replace(/\/([a-z])/g, (_m, c: string) => `/%${c.charCodeAt(0).toString(16)}`);
}

/** Spellings of /api/users that a raw `startsWith('/api/')` misses. */
const SPELLINGS = [
  '/%61pi/users',
  '/%61%70%69/users',
  '/api/%75sers',
  '/%2Fapi/users',
  '//api/users',
  '/api//users',
  '/API/users',
  '/Api/users',
  '/api./users',
  '/api/users.',
  '/api/users/',
  '/./api/users',
  '/x/../api/users',
  '/api%2Fusers',
  '/api/users%00',
  '/api/users?x=/api/',
];

describe('default deny on the matched route', () => {
  it('every registered route that is not public by design answers 401 without a session, plainly and percent-encoded', async () => {
    const routes = registeredRoutes(purna.http.printRoutes({ commonPrefix: false }));
    const guarded = routes.filter((r) => !isPublicByDesign(r.path));
    // Enough to mean something: the dashboard's, the service domain's and provisioning's routes.
    expect(guarded.length).toBeGreaterThan(50);
    expect(guarded.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'POST /api/users',
        'GET /api/auth/me',
        'POST /api/devices/provision',
        'GET /api/devices/:id/telemetry',
        'POST /api/technicians/:id/mqtt-token',
        'DELETE /api/devices/:id/credentials',
      ]),
    );
    const answers: string[] = [];
    for (const { method, path } of guarded) {
      for (const url of [concrete(path), concrete(path, true)]) {
        const status = await rawRequest(
          base,
          method,
          url,
          method === 'GET' || method === 'HEAD' || method === 'DELETE' ? {} : json({}),
        ).then(
          (r) => r.status,
          (err: Error) => err.message,
        );
        answers.push(`${method} ${url} → ${status}`);
      }
    }
    expect(answers.filter((a) => !a.endsWith('→ 401'))).toEqual([]);
  });

  it('POST /%61pi/users without a session creates no admin; no spelling of /api reaches a route without one', async () => {
    const usersBefore = purna.users.count();
    const admin = { email: 'intruder@evil.example', role: 'admin', password: 'intruder-password-123' };
    for (const path of SPELLINGS) {
      const post = await rawRequest(base, 'POST', path, json(admin));
      expect(post.status, `POST ${path}`).toBe(401);
      expect((await rawRequest(base, 'GET', path)).status, `GET ${path}`).toBe(401);
    }
    for (const path of [
      '/%61pi/auth/me',
      '/%61pi/devices',
      '/%61pi/devices/pump-jkt-1/telemetry',
      '/%61pi/work-orders',
      '/%61pi/webhooks',
    ]) {
      expect((await rawRequest(base, 'GET', path)).status, path).toBe(401);
    }
    expect(
      (
        await rawRequest(
          base,
          'POST',
          '/%61pi/devices/provision',
          json({ devices: [{ id: 'evil-0001', modelId: 'pump-p200' }] }),
        )
      ).status,
    ).toBe(401);
    expect((await rawRequest(base, 'POST', '/%61pi/technicians/T-JKT-1/mqtt-token')).status).toBe(401);
    expect((await rawRequest(base, 'DELETE', '/%61pi/devices/pump-jkt-1/credentials')).status).toBe(401);
    expect(purna.users.count()).toBe(usersBefore);
    expect(purna.users.byEmail(admin.email)).toBeUndefined();
    const login = await rawRequest(
      base,
      'POST',
      '/api/auth/login',
      json({ email: admin.email, password: admin.password }),
    );
    expect(login.status).toBe(401);
  });

  it('a path that matches no route is 401 without a session and 404 only with one', async () => {
    const cookie = await loginAs(purna, 'planner');
    for (const path of [
      '/api/nope',
      '/%61pi/nope',
      '/API/users',
      '/api./users',
      '//api/users',
      '/nope',
      '/assets/nope.js',
    ]) {
      expect((await rawRequest(base, 'GET', path)).status, path).toBe(401);
      expect((await rawRequest(base, 'POST', path, json({}))).status, `POST ${path}`).toBe(401);
      expect((await rawRequest(base, 'GET', path, { headers: { cookie } })).status, `${path} with a session`).toBe(404);
    }
  });

  it('role checks hold under every spelling: a technician reaches no planner or admin route', async () => {
    const cookie = await loginAs(purna, 'technician', 'T-JKT-1');
    const asTech = (method: string, path: string, body?: unknown) =>
      rawRequest(
        base,
        method,
        path,
        body === undefined
          ? { headers: { cookie } }
          : { headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) },
      );
    for (const path of ['/api/users', '/%61pi/users', '/api/%75sers']) {
      expect((await asTech('GET', path)).status, path).toBe(403);
      expect(
        (await asTech('POST', path, { email: 'x@evil.example', role: 'admin', password: 'intruder-password-123' }))
          .status,
        path,
      ).toBe(403);
    }
    for (const path of ['/%61pi/devices', '/%61pi/webhooks', '/%61pi/kpis'])
      expect((await asTech('GET', path)).status, path).toBe(403);
    expect(
      (await asTech('POST', '/%61pi/devices/provision', { devices: [{ id: 'evil-0002', modelId: 'pump-p200' }] }))
        .status,
    ).toBe(403);
    expect((await asTech('DELETE', '/%61pi/devices/pump-jkt-1/credentials')).status).toBe(403);
    expect((await asTech('POST', '/%61pi/technicians/T-BDG-1/mqtt-token')).status).toBe(403);
    expect(purna.users.byEmail('x@evil.example')).toBeUndefined();
  });

  it('a bundle built after start is public by its hashed name; nothing else under /assets/ is', async () => {
    // A rebuild while Purna runs writes new hashed names (vite.config.ts): the list of files made
    // at start did not have them, and the page's new bundle answered 401 until a restart.
    const dir = fileURLToPath(new URL('../../dashboard/ui/dist/assets/', import.meta.url));
    const late = `late-${Date.now().toString(36).slice(-8).padStart(8, 'x')}.js`;
    const plain = `notes-${process.pid}.txt`;
    writeFileSync(join(dir, late), 'export const late = 1;\n');
    writeFileSync(join(dir, plain), 'not a bundle');
    try {
      const served = await rawRequest(base, 'GET', `/assets/${late}`);
      expect(served.status).toBe(200);
      expect(served.headers['content-type']).toMatch(/javascript/);
      expect(served.body).toBe('export const late = 1;\n');
      const cookie = await loginAs(purna, 'planner');
      // A file of another shape, a name not built, a way out of the folder: as unmatched (401, 404 with a session).
      for (const path of [
        `/assets/${plain}`,
        '/assets/index-00000000.js',
        '/assets/..%2Fsw.js',
        '/assets/%2e%2e%2findex.html',
      ])
        expect((await rawRequest(base, 'GET', path)).status, path).toBe(401);
      expect((await rawRequest(base, 'GET', `/assets/${plain}`, { headers: { cookie } })).status).toBe(404);
    } finally {
      rmSync(join(dir, late), { force: true });
      rmSync(join(dir, plain), { force: true });
    }
  });

  it('public by design stays reachable without a session: the UI files, the API docs, login, operators, one-time survey links', async () => {
    expect(UI_FILES.length).toBeGreaterThan(1);
    expect(UI_FILES).toEqual(expect.arrayContaining(PWA_FILES));
    const manifest = await rawRequest(base, 'GET', '/manifest.webmanifest');
    expect(manifest.headers['content-type']).toMatch(/^application\/manifest\+json/);
    expect(JSON.parse(manifest.body).start_url).toBe('/#/tech');
    const worker = await rawRequest(base, 'GET', '/sw.js');
    expect(worker.headers['content-type']).toMatch(/javascript/);
    // The worker never serves the API from its cache.
    expect(worker.body).toMatch(/api\|socket/);
    const index = await rawRequest(base, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.body).toMatch(/<!doctype html>/i);
    for (const file of UI_FILES) expect((await rawRequest(base, 'GET', file)).status, file).toBe(200);
    expect((await rawRequest(base, 'GET', '/docs')).status).toBe(200);
    expect(JSON.parse((await rawRequest(base, 'GET', '/docs/json')).body).paths['/api/work-orders']).toBeDefined();
    expect((await rawRequest(base, 'GET', '/healthz')).status).toBe(200);
    expect(
      (await rawRequest(base, 'POST', '/api/auth/login', json({ email: 'nobody@x.example', password: 'wrong' })))
        .status,
    ).toBe(401);

    const resolved: HistoricalWorkOrder = {
      deviceId: 'pump-jkt-1',
      mode: 'bearing_wear',
      severity: 'high',
      createdAtMs: Date.now() - 86_400_000,
      technicianId: 'T-JKT-1',
      onSiteAtMs: Date.now() - 80_000_000,
      resolvedAtMs: Date.now() - 79_000_000,
      resolutionCode: 'fault_confirmed_part_replaced',
    };
    const [id] = purna.service.workOrders.importHistory([resolved]);
    const { url } = purna.service.customers.issueSurvey(id);
    const path = new URL(url, base).pathname;
    const page = await rawRequest(base, 'GET', path, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    // Customers are Indonesian by default (no contact language, no Accept-Language).
    expect(page.body).toMatch(/Bagaimana kunjungan servis kami\?/);
    expect((await rawRequest(base, 'POST', path, json({ csat: 4, nps: 9 }))).status).toBe(200);
    expect((await rawRequest(base, 'POST', path, json({ csat: 4, nps: 9 }))).status).toBe(410);
  });
});
