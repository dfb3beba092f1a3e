// The work-order board's "where": without a tile source (the default) a plain list of the active
// jobs' sites, their technicians and the distance from each technician's base, and no request
// leaves Purna; with PURNA_MAP_TILE_URL a Leaflet map whose tiles come from that source (here a
// tile server of the test's own on loopback, admitted by the CSP) with a marker per job and per
// technician. In Chromium, in English at a desk and Indonesian on a phone.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../core/config.ts';
import { seedDemo } from '../../demo/seed.ts';
import { dispatchRequest } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { contextFor, shoot, signIn } from '../support/dashboard-page.ts';

// A 1×1 PNG: what a tile server answers, as far as the browser can tell.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
let browser: Browser;
let tileServer: Server;
let tileRequests = 0;
let tileBase = '';

beforeAll(async () => {
  tileServer = createServer((req, res) => {
    if (/^\/tiles\/\d+\/\d+\/\d+\.png$/.test(req.url ?? '')) tileRequests++;
    res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
  });
  await new Promise<void>((r) => tileServer.listen(0, '127.0.0.1', r));
  tileBase = `http://127.0.0.1:${(tileServer.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => tileServer.close(r));
});

/** A Purna with the demo's network (sites with coordinates, technicians with bases) and two jobs. */
async function purnaWithJobs(overrides: Record<string, string> = {}): Promise<{ purna: TestPurna; ids: string[] }> {
  const purna = await startTestPurna(overrides);
  seedDemo(purna.service, { totalDevices: 20, historyDays: 0 });
  const devices = purna.service.customers.listDevices();
  purna.fleetView.register(
    devices.map((d) => ({
      deviceId: d.id,
      modelId: d.modelId,
      site: d.siteName ? `${d.siteName}, ${d.city}` : null,
      timeZone: d.timeZone,
      lat: d.lat,
      lon: d.lon,
    })),
  );
  const ids = [devices[0], devices[5]].map(
    (d) => purna.service.workOrders.handleDispatch(dispatchRequest(d.id)).order.id,
  );
  await loginAs(purna, 'planner');
  return { purna, ids };
}

describe('without a tile source: a list, nothing fetched from elsewhere', () => {
  let purna: TestPurna;
  let ids: string[];
  beforeAll(async () => {
    ({ purna, ids } = await purnaWithJobs());
  });
  afterAll(() => purna?.destroy());

  it('each active job with its site, technician and distance; each technician with their jobs', async () => {
    const context = await contextFor(browser, 'en', 'desk');
    const hosts = new Set<string>();
    context.on('request', (r) => hosts.add(new URL(r.url()).host));
    const signed = await signIn(context, purna.dashboardUrl, 'en', 'planner@test.purna', '#/work-orders');
    await signed.locator('#board-where-jobs').waitFor();
    for (const id of ids) {
      const row = signed.locator(`#board-where-jobs tr[data-work-order-id="${id}"]`);
      await row.waitFor();
      const order = purna.service.workOrders.getWorkOrder(id)!;
      const tech = purna.service.network.getTechnician(order.technicianId!)!;
      const cells = await row.locator('td').allTextContents();
      expect(cells[1]).not.toBe('—');
      await expect.poll(async () => (await row.locator('td').allTextContents())[2]).toBe(tech.name);
      expect((await row.locator('td').allTextContents())[3]).toMatch(/^\d[\d,]* km$/);
      const techRow = signed.locator(`#board-where-technicians tr[data-technician-id="${tech.id}"]`);
      expect(Number(await techRow.locator('td').nth(1).textContent())).toBeGreaterThanOrEqual(1);
    }
    expect(await signed.locator('#board-map').isHidden()).toBe(true);
    expect(await signed.locator('.leaflet-container').count()).toBe(0);
    expect(
      await (
        await fetch(`${purna.dashboardUrl}api/map`, { headers: { cookie: await loginAs(purna, 'planner') } })
      ).json(),
    ).toEqual({
      tileUrl: null,
      attribution: '',
    });
    expect([...hosts]).toEqual([new URL(purna.dashboardUrl).host]);
    await shoot(signed, 'board-where-list-en-desk');
    await context.close();
  });
});

describe('with PURNA_MAP_TILE_URL: a map from that tile source', () => {
  let purna: TestPurna;
  let ids: string[];
  beforeAll(async () => {
    ({ purna, ids } = await purnaWithJobs({
      mapTileUrl: `${tileBase}/tiles/{z}/{x}/{y}.png`,
      mapAttribution: 'Test tiles <b>not markup</b>',
    }));
  });
  afterAll(() => purna?.destroy());

  it('tiles from the configured source, a marker per job and per technician, the attribution as text', async () => {
    const context = await contextFor(browser, 'id', 'phone');
    const page = await signIn(context, purna.dashboardUrl, 'id', 'planner@test.purna', '#/work-orders');
    await page.locator('#board-map.leaflet-container').waitFor();
    await expect.poll(() => page.locator('#board-map path.map-job').count(), { timeout: 10_000 }).toBe(ids.length);
    const technicians = purna.service.network.listTechnicians().length;
    await expect.poll(() => page.locator('#board-map path.map-technician').count()).toBe(technicians);
    await expect.poll(() => tileRequests, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('#board-map img.leaflet-tile-loaded').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await page.locator('#board-map .leaflet-control-attribution').textContent()).toContain(
      'Test tiles bnot markup/b',
    );
    // The list stays beside the map.
    expect(await page.locator('#board-where-jobs tr[data-work-order-id]').count()).toBe(ids.length);
    const csp = (await fetch(purna.dashboardUrl)).headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(new RegExp(`img-src 'self' data: ${tileBase.replaceAll('.', '\\.')}`));
    await shoot(page, 'board-where-map-id-phone');
    await context.close();
    expect(cspViolations(browser)).toEqual([]);
  });
});

it('a tile URL without {z}/{x}/{y} or not http(s) is refused at start', () => {
  for (const bad of ['ftp://tiles.example/{z}/{x}/{y}.png', 'https://tiles.example/tile.png', 'not a url {z}{x}{y}'])
    expect(() => loadConfig({ PURNA_MAP_TILE_URL: bad }, [])).toThrow(
      /PURNA_MAP_TILE_URL must be an http\(s\) URL with \{z\}, \{x\} and \{y\}/,
    );
  expect(loadConfig({ PURNA_MAP_TILE_URL: 'https://{s}.tiles.example/{z}/{x}/{y}.png' }, []).mapTileUrl).toBe(
    'https://{s}.tiles.example/{z}/{x}/{y}.png',
  );
});
