// The customer's tracking page names every part of the job as the catalogue gives it (the
// catalogue has no Indonesian part names: "Seal kit B40" as written) with the words around them
// in the customer's language — "Suku cadang (Seal kit B40 dan 2 × O-ring set B40) sudah
// disiapkan" — never a SKU, and not only the first part (issue 18). In Chromium on a phone
// (390×844), in Indonesian and English. Screenshots in test-artifacts/tracking-parts-*.png.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../demo/seed.ts';
import type { ServiceWorkOrder } from '../../service/types.ts';
import { boosterPump, dispatchRequest } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { ARTIFACTS } from '../support/dashboard-page.ts';
import { startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let browser: Browser;
let job: ServiceWorkOrder;
let trackUrl: string;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { totalDevices: 10, historyDays: 0 });
  const { customers, catalogue, network, stores, workOrders } = purna.service;
  const model = boosterPump();
  model.failureModes[0].parts = [
    { sku: 'B40-SEAL-KIT', name: 'Seal kit B40', quantity: 1 },
    { sku: 'B40-ORING', name: 'O-ring set B40', quantity: 2 },
  ];
  catalogue.createProductModel(model, 'planner:p1');
  const site = customers.listDevices().find((d) => d.timeZone === 'Asia/Jakarta' && d.siteId)!;
  customers.registerDevices([{ deviceId: 'booster-jkt-1', modelId: 'booster-b40', siteId: site.siteId! }]);
  for (const depot of network.listDepots())
    for (const sku of ['B40-SEAL-KIT', 'B40-ORING']) network.saveInventory({ depotId: depot.id, sku, onHand: 5 });
  const depot = network.listDepots()[0];
  stores.network.upsertTechnician({
    id: 'T-B40',
    name: 'Rudi Seal',
    homeLat: site.lat ?? -6.2,
    homeLon: site.lon ?? 106.8,
    depotId: depot.id,
    skills: [{ modelId: '*', mode: '*' }],
  });
  job = workOrders.handleDispatch(dispatchRequest('booster-jkt-1', 'seal_leak')).order;
  expect(job.parts.map((p) => [p.sku, p.status])).toEqual([
    ['B40-SEAL-KIT', 'reserved'],
    ['B40-ORING', 'reserved'],
  ]);
  const contact = stores.contacts.recipientsForSite(site.siteId!)[0];
  const linkId = stores.links.ensure(job.id, contact.id, Date.now());
  trackUrl = `${purna.dashboardUrl}api/track/${stores.links.tokenOf(linkId)}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

const TEXT = {
  id: 'Suku cadang (Seal kit B40 dan 2 × O-ring set B40) sudah disiapkan dan dibawa oleh teknisi.',
  en: 'The spare parts (Seal kit B40 and 2 × O-ring set B40) are reserved and come with the technician.',
} as const;

describe.each(['id', 'en'] as const)('the tracking page in %s on a phone', (lang) => {
  it('names every part as the catalogue does, the sentence around them in the page’s language', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: lang === 'id' ? 'id-ID' : 'en-GB',
    });
    const page = await context.newPage();
    await page.goto(`${trackUrl}?lang=${lang}`);
    expect(await page.locator('#details dd[data-key="part"]').textContent()).toBe(TEXT[lang]);
    // No stock-keeping code reaches the customer.
    expect(await page.locator('body').textContent()).not.toMatch(/B40-SEAL-KIT|B40-ORING/);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${ARTIFACTS}/tracking-parts-${lang}.png`, fullPage: true });
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
