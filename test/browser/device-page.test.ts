// The device page charts every metric of the device's catalogue model with its rated limits, and
// the forecast to the limit the health is heading for: a booster pump (pressure falling towards
// its lower limit of 2 bar, flow, motor current, temperature) published over real MQTT into a real
// Purna, shown in Chromium at a desk and on a phone. Its seal-leak job's page names both parts
// the repair takes, each from the depot it is reserved at.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductModel } from '../../core/product-catalogue.ts';
import { topics } from '../../core/topics.ts';
import type { FailureMode } from '../../core/types.ts';
import { dispatchRequest } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { connectDevice, eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const STEP = 5 * 60_000;
const DEVICE = 'booster-0301';

let purna: TestPurna;
let browser: Browser;
let client: MqttClient;

/** Deterministic noise in −1 … 1. */
let seed = 7;
function noise(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return (seed / 2_147_483_648) * 2 - 1;
}

beforeAll(async () => {
  purna = await startTestPurna();
  browser = await launchBrowser();
  await loginAs(purna, 'planner');
  // The example catalogue's booster pump: its seal repair takes a seal kit and two O-ring sets.
  const file = fileURLToPath(new URL('../../device-sim/examples/catalogue.json', import.meta.url));
  const { models } = JSON.parse(readFileSync(file, 'utf8')) as { models: ProductModel[] };
  purna.service.catalogue.createProductModel(models.find((m) => m.id === 'booster-b40')!, 'planner:p1');
  purna.service.customers.registerDevices([{ deviceId: DEVICE, modelId: 'booster-b40' }]);
  const net = purna.service.stores.network;
  net.upsertDepot({ id: 'D-1', name: 'Depot Jakarta', city: 'Jakarta', lat: -6.2, lon: 106.8 });
  net.upsertDepot({ id: 'D-2', name: 'Depot Bekasi', city: 'Bekasi', lat: -6.24, lon: 107.0 });
  net.upsertInventory({ depotId: 'D-1', sku: 'B40-SEAL-KIT', onHand: 1 });
  net.upsertInventory({ depotId: 'D-2', sku: 'B40-ORING-SET', onHand: 4 });
  client = await connectDevice(purna.mqttUrl, DEVICE);
  // Five days up to now, an hour per message (a gateway's buffer): pressure steady at 4.5 bar for
  // three days, then falling 0.4 bar a day towards its lower limit of 2 bar.
  const t0 = Date.now() - 5 * DAY;
  let last = 0;
  for (let h = 0; h < 5 * 24; h++) {
    const batch = [];
    for (let t = h * HOUR; t < (h + 1) * HOUR; t += STEP) {
      const fall = t > 3 * DAY ? ((t - 3 * DAY) / DAY) * 0.4 : 0;
      batch.push({
        ts: t0 + t,
        values: {
          pressure: Math.round((4.5 + 0.01 * noise() - fall) * 1000) / 1000,
          flow: Math.round((80 + 2 * noise()) * 10) / 10,
          current: Math.round((15 + 0.3 * noise()) * 100) / 100,
          temperature: Math.round((45 + 0.5 * noise()) * 100) / 100,
        },
      });
    }
    last = batch[batch.length - 1].ts;
    await client.publishAsync(topics.telemetry(DEVICE), JSON.stringify(batch), { qos: 1 });
  }
  await eventually(() => purna.analytics.health(DEVICE)?.tsMs === last, 30_000);
}, 120_000);

afterAll(async () => {
  await client?.endAsync();
  await browser?.close();
  await purna?.destroy();
});

async function openDevice(viewport: { width: number; height: number }, locale: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport, locale })).newPage();
  await page.goto(purna.dashboardUrl);
  await page.locator('#login-email').fill('planner@test.purna');
  await page.locator('#login-password').fill('test-password-0123456789');
  await page.locator('#login-form button[type=submit]').click();
  await page.locator('#connection.live').waitFor();
  await page.goto(`${purna.dashboardUrl}#/device/${DEVICE}`);
  await page.locator('#device-charts figure.chart canvas').first().waitFor();
  return page;
}

const figures = (page: Page) =>
  page.locator('#device-charts figure.chart').evaluateAll((fs) =>
    fs.map((f) => {
      const d = (f as HTMLElement).dataset;
      return {
        metric: d.metric,
        caption: f.querySelector('figcaption')?.textContent,
        upper: d.upper,
        lower: d.lower,
        canvas: f.querySelector('canvas') !== null,
        points: Number(d.points ?? 0),
        forecast: d.forecast,
      };
    }),
  );

describe('the device page', () => {
  it('at a desk: a chart for each of the booster pump’s four metrics with its rated limits, and the falling pressure’s forecast to 2 bar', async () => {
    expect(purna.analytics.health(DEVICE)).toMatchObject({ metric: 'pressure' });
    expect(purna.analytics.health(DEVICE)?.timeToThresholdMs).toBeGreaterThan(0);
    const page = await openDevice({ width: 1440, height: 900 }, 'en-GB');
    // The page's last hour of history: 11 or 12 five-minute readings on every chart.
    await expect
      .poll(async () => Math.min(...(await figures(page)).map((f) => f.points)), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(11);
    await expect.poll(async () => (await figures(page))[0].forecast, { timeout: 10_000 }).toBe('2');
    expect((await figures(page)).map(({ points, ...f }) => f)).toEqual([
      { metric: 'pressure', caption: 'pressure (bar)', upper: undefined, lower: '2', canvas: true, forecast: '2' },
      { metric: 'flow', caption: 'flow (L/min)', upper: undefined, lower: '20', canvas: true, forecast: undefined },
      { metric: 'current', caption: 'current (A)', upper: '30', lower: undefined, canvas: true, forecast: undefined },
      {
        metric: 'temperature',
        caption: 'Temperature (°C)',
        upper: '80',
        lower: undefined,
        canvas: true,
        forecast: undefined,
      },
    ]);
    // The model by its catalogue name (the id is on hover), since the model-names change.
    expect(await page.locator('#device-title').textContent()).toBe(`${DEVICE} · Booster pump B40`);
    await page.screenshot({ path: 'test-artifacts/device-booster-desk.png', fullPage: true });
    expect(cspViolations(browser)).toEqual([]);
  });

  it('on a phone, in Indonesian: the same four charts, none wider than the screen', async () => {
    const page = await openDevice({ width: 390, height: 844 }, 'id-ID');
    await expect
      .poll(async () => (await figures(page)).map((f) => f.metric))
      .toEqual(['pressure', 'flow', 'current', 'temperature']);
    expect((await figures(page))[3].caption).toBe('Suhu (°C)');
    const widest = await page
      .locator('#device-charts figure.chart')
      .evaluateAll((fs) => Math.max(...fs.map((f) => f.getBoundingClientRect().right)));
    expect(widest).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: 'test-artifacts/device-booster-phone.png', fullPage: true });
    expect(cspViolations(browser)).toEqual([]);
  });

  it('the seal-leak job’s page names both parts, each with its quantity and depot', async () => {
    const job =
      purna.service.workOrders.listWorkOrders({ deviceId: DEVICE })[0] ??
      purna.service.workOrders.handleDispatch(dispatchRequest(DEVICE, 'seal_leak' as FailureMode)).order;
    expect(job.parts.map((p) => [p.sku, p.quantity, p.status, p.depotId])).toEqual([
      ['B40-SEAL-KIT', 1, 'reserved', 'D-1'],
      ['B40-ORING-SET', 2, 'reserved', 'D-2'],
    ]);
    const page = await openDevice({ width: 1440, height: 900 }, 'en-GB');
    await page.goto(`${purna.dashboardUrl}#/work-order/${job.id}`);
    const line = page.locator('p.meta', { hasText: 'Seal kit B40' });
    await expect
      .poll(() => line.textContent(), { timeout: 10_000 })
      // Depots by the names the network gives them (since the history-in-names change), not their ids.
      .toBe('Seal kit B40 @ Depot Jakarta, 2 × O-ring set B40 @ Depot Bekasi (reserved) · warranty');
    expect(cspViolations(browser)).toEqual([]);
  });
});
