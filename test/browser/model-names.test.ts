// A device's product model by the catalogue's name, not its id (issue 18: "pump-p200" where the
// catalogue says "Centrifugal pump P200 (22 kW)"), on every screen that names it: the fleet's
// tiles, filter and table, the device page's title and record, the board's cards, the work-order
// page, and the technician's job card. The id stays on hover (and beside the name in the
// record). In Chromium: the planner in English at a desk and in Indonesian on a phone, the
// technician on a phone in both. Screenshots in test-artifacts/model-names-*.png.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../demo/seed.ts';
import type { ServiceWorkOrder } from '../../service/types.ts';
import { dispatchRequest } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, type Lang, type Size, shoot, signIn } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let browser: Browser;
let job: ServiceWorkOrder;
let modelId: string;
let modelName: string;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { totalDevices: 12, historyDays: 0 });
  const devices = purna.service.customers.listDevices();
  purna.fleetView.register(
    devices.map((d) => ({ deviceId: d.id, modelId: d.modelId, site: d.siteName, timeZone: d.timeZone })),
  );
  job = purna.service.workOrders.handleDispatch(dispatchRequest(devices[0].id)).order;
  modelId = devices[0].modelId;
  modelName = purna.service.catalogue.getProductModel(modelId).name;
  expect(modelName).not.toBe(modelId);
  await loginAs(purna, 'planner');
  await loginAs(purna, 'technician', job.technicianId!);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

describe.each([
  ['en', 'desk'],
  ['id', 'phone'],
] as [Lang, Size][])('the planner (%s, %s)', (lang, size) => {
  it('reads the model by name on the fleet, the device page, the board and the work-order page', async () => {
    const context = await contextFor(browser, lang, size);
    // The catalogue's names held back until the tiles are drawn, as a slow answer would: a tile is
    // painted when first rendered, and must be painted again when the names come (CI once caught
    // a tile still saying 'compressor-c75' when the names lost the race to the fleet's snapshot).
    let releaseNames!: () => void;
    const namesHeld = new Promise<void>((resolve) => {
      releaseNames = resolve;
    });
    await context.route('**/api/catalogue/models', async (route) => {
      await namesHeld;
      await route.continue();
    });
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', '#/fleet');
    const tile = page.locator(`#health-grid a[href="#/device/${job.deviceId}"]`);
    await expect.poll(async () => (await tile.getAttribute('title')) ?? '').toContain(`(${modelId})`);
    releaseNames();
    await expect.poll(async () => (await tile.getAttribute('title')) ?? '').toContain(`(${modelName})`);
    await expect.poll(() => page.locator('#fleet-model option').allTextContents()).toContain(modelName);
    expect(await page.locator('#fleet-model option').allTextContents()).not.toContain(modelId);
    await shoot(page, `model-names-fleet-${lang}-${size}`);

    await page.goto(`${purna.dashboardUrl}#/device/${job.deviceId}`);
    await expect.poll(() => page.locator('#device-title').textContent()).toBe(`${job.deviceId} · ${modelName}`);
    expect(await page.locator('#device-title').getAttribute('title')).toBe(modelId);
    await expect
      .poll(() => page.locator('#device-record [data-field="model"] dd').textContent())
      .toMatch(new RegExp(`^${modelName.replace(/[()]/g, '\\$&')} \\(${modelId}\\) · `));

    await page.goto(`${purna.dashboardUrl}#/work-orders`);
    const card = page.locator(`article.card:has(a[href="#/work-order/${job.id}"])`);
    await expect.poll(() => card.locator('.meta.model').textContent()).toBe(modelName);
    // The part's depot by name too ('@ Depot Surabaya (Rungkut)', not '@ DEP-SBY').
    const depot = purna.service.network.listDepots().find((d) => d.id === job.parts[0].depotId)!;
    await expect.poll(() => card.textContent()).toContain(`@ ${depot.name}`);
    expect(await card.textContent()).not.toMatch(/DEP-/);
    await shoot(page, `model-names-board-${lang}-${size}`);

    await page.goto(`${purna.dashboardUrl}#/work-order/${job.id}`);
    const model = page.locator('#work-order .meta .model');
    await expect.poll(() => model.textContent()).toBe(modelName);
    expect(await model.getAttribute('title')).toBe(modelId);
    await context.close();
  });
});

describe.each(['id', 'en'] as Lang[])('the technician (%s, phone)', (lang) => {
  it('reads the model by name on the job card', async () => {
    const context = await contextFor(browser, lang, 'phone');
    const email = `technician-${job.technicianId}@test.purna`.toLowerCase();
    const page = await signIn(context, purna.dashboardUrl, lang, email);
    const card = page.locator(`#my-jobs article[data-work-order-id="${job.id}"]`);
    await expect.poll(() => card.locator('.meta.model').textContent()).toBe(modelName);
    // Where to pick the part up, by the depot's name.
    const depot = purna.service.network.listDepots().find((d) => d.id === job.parts[0].depotId)!;
    await expect.poll(() => card.textContent()).toContain(depot.name);
    expect(await card.textContent()).not.toMatch(/DEP-/);
    await shoot(page, `model-names-tech-${lang}`);
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
